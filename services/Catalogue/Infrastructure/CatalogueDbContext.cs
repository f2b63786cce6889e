using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata.Builders;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Infrastructure;

public sealed class CatalogueDbContext(DbContextOptions<CatalogueDbContext> options) : PlatformDbContext(options)
{
    public DbSet<ArchiveRecord> Records => Set<ArchiveRecord>();
    public DbSet<ArchiveRecordVersion> RecordVersions => Set<ArchiveRecordVersion>();
    public DbSet<FederatedRecord> FederatedRecords => Set<FederatedRecord>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CatalogueDbContext).Assembly);
    }
}

internal sealed class ArchiveRecordConfiguration : IEntityTypeConfiguration<ArchiveRecord>
{
    public void Configure(EntityTypeBuilder<ArchiveRecord> builder)
    {
        builder.ToTable("records");
        builder.HasKey(r => r.Id);
        builder.HasIndex(r => new { r.Department, r.ExternalId }).IsUnique();
        builder.Property(r => r.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(r => r.ExternalId).HasMaxLength(200);
        builder.Property(r => r.FondsCode).HasMaxLength(50);
        builder.Property(r => r.ArchivalCode).HasMaxLength(100);
        builder.Property(r => r.Title).HasMaxLength(1000);
        builder.Property(r => r.Creator).HasMaxLength(500);
        builder.HasIndex(r => new { r.FondsCode, r.Category });
    }
}

internal sealed class ArchiveRecordVersionConfiguration : IEntityTypeConfiguration<ArchiveRecordVersion>
{
    public void Configure(EntityTypeBuilder<ArchiveRecordVersion> builder)
    {
        builder.ToTable("record_versions");
        builder.HasKey(v => new { v.RecordId, v.Version });
        builder.Property(v => v.Status).HasConversion<string>().HasMaxLength(20);
        builder.Property(v => v.Metadata).HasColumnType("jsonb").HasConversion(MetadataJson.Converter);
    }
}

internal sealed class FederatedRecordConfiguration : IEntityTypeConfiguration<FederatedRecord>
{
    public void Configure(EntityTypeBuilder<FederatedRecord> builder)
    {
        builder.ToTable("federated_records");
        builder.HasKey(r => r.RecordId);
        builder.Property(r => r.Department).HasMaxLength(40);
        builder.HasIndex(r => r.Department);
        builder.Property(r => r.Metadata).HasColumnType("jsonb").HasConversion(MetadataJson.Converter);
    }
}

internal static class MetadataJson
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<RecordMetadata, string> Converter = new(
        metadata => JsonSerializer.Serialize(metadata, JsonSerializerOptions.Web),
        json => JsonSerializer.Deserialize<RecordMetadata>(json, JsonSerializerOptions.Web)!);
}
