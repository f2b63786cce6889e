using Microsoft.EntityFrameworkCore;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

public sealed class SharingDbContext(DbContextOptions<SharingDbContext> options) : PlatformDbContext(options)
{
    public DbSet<SharedRecord> Records => Set<SharedRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.Entity<SharedRecord>(record =>
        {
            record.ToTable("shared_records");
            record.HasKey(r => r.RecordId);
            record.Property(r => r.Sharing).HasMaxLength(20);
            record.HasIndex(r => new { r.FondsCode, r.Category });
        });
    }
}
