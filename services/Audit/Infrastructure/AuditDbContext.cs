using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Audit.Model;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Infrastructure;

public sealed class AuditDbContext(DbContextOptions<AuditDbContext> options) : PlatformDbContext(options)
{
    public DbSet<AuditEntry> Entries => Set<AuditEntry>();

    public DbSet<NodeSigningKey> SigningKeys => Set<NodeSigningKey>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfiguration(new AuditEntryConfiguration());
        modelBuilder.Entity<NodeSigningKey>(key =>
        {
            key.ToTable("node_signing_keys");
            key.HasKey(k => k.Id);
            key.Property(k => k.Id).ValueGeneratedNever();
            key.Property(k => k.KeyId).HasMaxLength(64);
        });
    }
}

internal sealed class AuditEntryConfiguration : IEntityTypeConfiguration<AuditEntry>
{
    public void Configure(EntityTypeBuilder<AuditEntry> builder)
    {
        builder.ToTable("audit_entries");
        builder.HasKey(e => e.Sequence);
        builder.Property(e => e.Sequence).ValueGeneratedNever();
        builder.Property(e => e.Department).HasMaxLength(40);
        builder.Property(e => e.Actor).HasMaxLength(200);
        builder.Property(e => e.Action).HasMaxLength(100);
        builder.Property(e => e.Subject).HasMaxLength(200);
        builder.Property(e => e.Outcome).HasMaxLength(40);
        builder.Property(e => e.TraceId).HasMaxLength(32);
        // text, not jsonb: the hash covers the exact bytes, and jsonb would reorder keys.
        builder.Property(e => e.Details).HasColumnType("text");
        builder.Property(e => e.PreviousHash).HasMaxLength(64);
        builder.Property(e => e.Hash).HasMaxLength(64);
        builder.Property(e => e.HashAlgorithm).HasMaxLength(16).HasDefaultValue(ChainHash.Sha256);
        builder.HasIndex(e => e.Subject);
        builder.HasIndex(e => e.OccurredAt);
        builder.HasIndex(e => e.Action);
    }
}
