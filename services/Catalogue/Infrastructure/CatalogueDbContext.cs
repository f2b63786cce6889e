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
    public DbSet<Attachment> Attachments => Set<Attachment>();
    public DbSet<Reannouncement> Reannouncements => Set<Reannouncement>();
    public DbSet<RecordAnnouncement> RecordAnnouncements => Set<RecordAnnouncement>();

    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        base.OnModelCreating(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(CatalogueDbContext).Assembly);
        modelBuilder.HasDbFunction(typeof(SearchFunctions).GetMethod(nameof(SearchFunctions.MatchesWithoutIndex))!)
            .HasName("ts_match_vq").IsBuiltIn();
    }

    // Searches count matches up to a limit (Take before Count, MatchCount): the order of the rows counted does not
    // matter, and ordering them would read every match, which is what the limit avoids.
    protected override void OnConfiguring(DbContextOptionsBuilder optionsBuilder) =>
        optionsBuilder.ConfigureWarnings(warnings => warnings.Ignore(Microsoft.EntityFrameworkCore.Diagnostics.CoreEventId.RowLimitingOperationWithoutOrderByWarning));
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
        // Newest first is the order of plain lists and of a search's top-ranked page: an index walk, not a sort of every match.
        builder.HasIndex(r => new { r.UpdatedAt, r.Id }).IsDescending(true, false);
        builder.Property(r => r.QualityIssues).HasColumnType("jsonb").HasConversion(QualityJson.Converter, QualityJson.Comparer);
        SearchColumns.Configure(builder, r => r.SearchTokens, r => r.SearchVector);
        builder.HasOne(r => r.Announcement).WithOne().HasForeignKey<RecordAnnouncement>(a => a.RecordId);
        builder.Property(r => r.SecrecyReview).HasMaxLength(30);
        builder.Property(r => r.ReviewedBy).HasMaxLength(200);
        builder.Property(r => r.ReviewReason).HasMaxLength(500);
        builder.HasIndex(r => r.ReviewRequestedAt).HasDatabaseName("ix_records_secrecy_review_queue").HasFilter("secrecy_review = 'awaiting-secrecy-review'");
    }
}

internal sealed class RecordAnnouncementConfiguration : IEntityTypeConfiguration<RecordAnnouncement>
{
    public void Configure(EntityTypeBuilder<RecordAnnouncement> builder)
    {
        builder.ToTable("record_announcements");
        builder.HasKey(a => a.RecordId);
        builder.Property(a => a.Cause).HasMaxLength(120);
        builder.Property(a => a.AnnouncedRule).HasMaxLength(100);
        builder.Property(a => a.AnnouncedHash).HasMaxLength(64);
        // The announcer's queue: only the records waiting are in the index.
        builder.HasIndex(a => a.DueSince).HasDatabaseName("ix_record_announcements_due").HasFilter("due");
    }
}

internal sealed class ReannouncementConfiguration : IEntityTypeConfiguration<Reannouncement>
{
    public void Configure(EntityTypeBuilder<Reannouncement> builder)
    {
        builder.ToTable("reannouncements");
        builder.HasKey(r => r.Rule);
        builder.Property(r => r.Rule).HasMaxLength(100);
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
        builder.Property(v => v.QualityIssues).HasColumnType("jsonb").HasConversion(QualityJson.Converter, QualityJson.Comparer);
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
        builder.HasIndex(r => new { r.PublishedAt, r.RecordId }).IsDescending(true, false);
        builder.Property(r => r.Metadata).HasColumnType("jsonb").HasConversion(MetadataJson.Converter);
        SearchColumns.Configure(builder, r => r.SearchTokens, r => r.SearchVector);
    }
}

internal sealed class AttachmentConfiguration : IEntityTypeConfiguration<Attachment>
{
    public void Configure(EntityTypeBuilder<Attachment> builder)
    {
        builder.ToTable("attachments");
        builder.HasKey(a => a.Id);
        builder.HasIndex(a => a.RecordId);
        builder.HasIndex(a => a.Sha256);
        builder.HasOne<ArchiveRecord>().WithMany().HasForeignKey(a => a.RecordId);
        builder.Property(a => a.FileName).HasMaxLength(255);
        builder.Property(a => a.ContentType).HasMaxLength(100);
        builder.Property(a => a.Sha256).HasMaxLength(64);
    }
}

internal static class MetadataJson
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<RecordMetadata, string> Converter = new(
        metadata => JsonSerializer.Serialize(metadata, JsonSerializerOptions.Web),
        json => JsonSerializer.Deserialize<RecordMetadata>(json, JsonSerializerOptions.Web)!);
}

internal static class QualityJson
{
    public static readonly Microsoft.EntityFrameworkCore.Storage.ValueConversion.ValueConverter<List<QualityIssue>, string> Converter = new(
        issues => JsonSerializer.Serialize(issues, JsonSerializerOptions.Web),
        json => JsonSerializer.Deserialize<List<QualityIssue>>(json, JsonSerializerOptions.Web)!);

    public static readonly Microsoft.EntityFrameworkCore.ChangeTracking.ValueComparer<List<QualityIssue>> Comparer = new(
        (a, b) => a!.SequenceEqual(b!),
        issues => issues.Aggregate(0, (hash, issue) => HashCode.Combine(hash, issue)),
        issues => issues.ToList());
}

/// <summary>
/// The search tokens column and the indexed tsvector the database derives from it (array_to_tsvector takes
/// the tokens as lexemes unchanged, so no text-search parser ever sees the Chinese text).
/// </summary>
internal static class SearchColumns
{
    public static void Configure<T>(EntityTypeBuilder<T> builder,
        System.Linq.Expressions.Expression<Func<T, string>> tokens,
        System.Linq.Expressions.Expression<Func<T, NpgsqlTypes.NpgsqlTsVector?>> vector) where T : class
    {
        builder.Property(tokens).HasColumnName("search_tokens");
        builder.Property(vector)
            .HasColumnName("search_vector")
            .HasComputedColumnSql("array_to_tsvector(string_to_array(search_tokens, ' '))", stored: true);
        builder.HasIndex(nameof(ArchiveRecord.SearchVector)).HasMethod("GIN");
    }
}


/// <summary>Text-search functions the queries call by name.</summary>
public static class SearchFunctions
{
    /// <summary>
    /// <c>ts_match_vq(vector, query)</c>: the function behind <c>vector @@ query</c>, the same test, which the planner does
    /// not hand to the GIN index: the rows the index returns for the selective part of a search are tested against the
    /// whole search with it (<see cref="Model.SearchText.Selective"/>).
    /// </summary>
    public static bool MatchesWithoutIndex(NpgsqlTypes.NpgsqlTsVector? vector, NpgsqlTypes.NpgsqlTsQuery query) =>
        throw new InvalidOperationException("MatchesWithoutIndex is translated to SQL; it cannot run in memory.");
}
