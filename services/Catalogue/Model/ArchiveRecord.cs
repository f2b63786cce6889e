using Platform.Contracts;

namespace Platform.Catalogue.Model;

/// <summary>What a record list searches and filters on, whether the records are this department's or its peers' (<see cref="Apis.RecordSearch"/>).</summary>
public interface ISearchedRecord
{
    string FondsCode { get; }
    string? Category { get; }
    NpgsqlTypes.NpgsqlTsVector? SearchVector { get; }
}

/// <summary>One archive record (档案) of this node's department, at its latest version.</summary>
public sealed class ArchiveRecord : ISearchedRecord
{
    public Guid Id { get; set; }
    public required string Department { get; set; }
    public required string ExternalId { get; set; }
    public int Version { get; set; }
    public RecordStatus Status { get; set; }
    public required string FondsCode { get; set; }
    public required string ArchivalCode { get; set; }
    public required string Title { get; set; }
    public required string Creator { get; set; }
    public DateOnly Date { get; set; }
    public string? DocumentNumber { get; set; }
    public required string RetentionPeriod { get; set; }
    public required string Classification { get; set; }
    public string? Category { get; set; }
    public List<string> Keywords { get; set; } = [];
    public string? Description { get; set; }
    public required string Sharing { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>Quality of the current version's metadata (0–100) and the reasons it lost points.</summary>
    public int QualityScore { get; set; }
    public List<QualityIssue> QualityIssues { get; set; } = [];

    /// <summary>Search tokens of the current version (<see cref="Model.SearchText"/>); the database indexes them as <see cref="SearchVector"/>.</summary>
    public string SearchTokens { get; set; } = "";
    public NpgsqlTypes.NpgsqlTsVector? SearchVector { get; set; }

    public static ArchiveRecord Create(string department, RecordMetadata metadata, DateTimeOffset now)
    {
        var record = new ArchiveRecord
        {
            Id = Guid.CreateVersion7(),
            Department = department,
            ExternalId = metadata.ExternalId,
            FondsCode = metadata.FondsCode,
            ArchivalCode = metadata.ArchivalCode,
            Title = metadata.Title,
            Creator = metadata.Creator,
            RetentionPeriod = metadata.RetentionPeriod,
            Classification = metadata.Classification,
            Sharing = metadata.Sharing,
            CreatedAt = now,
        };
        record.Apply(metadata, now);
        record.Version = 1;
        return record;
    }

    /// <summary>Takes <paramref name="metadata"/> as the new current version.</summary>
    public void Apply(RecordMetadata metadata, DateTimeOffset now)
    {
        FondsCode = metadata.FondsCode;
        ArchivalCode = metadata.ArchivalCode;
        Title = metadata.Title;
        Creator = metadata.Creator;
        Date = metadata.Date;
        DocumentNumber = metadata.DocumentNumber;
        RetentionPeriod = metadata.RetentionPeriod;
        Classification = metadata.Classification;
        Category = metadata.Category;
        Keywords = [.. metadata.Keywords];
        Description = metadata.Description;
        Sharing = metadata.Sharing;
        Status = RecordStatus.Active;
        Version++;
        UpdatedAt = now;
        var quality = Model.QualityScore.Of(metadata, DateOnly.FromDateTime(now.UtcDateTime));
        QualityScore = quality.Score;
        QualityIssues = [.. quality.Issues];
        SearchTokens = SearchText.For(metadata);
    }

    public QualityScore Quality => new(QualityScore, QualityIssues);

    public RecordMetadata ToMetadata() => new(
        ExternalId, FondsCode, ArchivalCode, Title, Creator, Date, DocumentNumber,
        RetentionPeriod, Classification, Category, Keywords, Description, Sharing);

    /// <summary>
    /// Whether other departments may discover this record at all (its own attribute allows it); what they see of it, and
    /// who, is the sharing policy's catalogue view (<see cref="RecordAnnouncer"/>).
    /// </summary>
    public bool IsAnnounced => Status == RecordStatus.Active && Sharing != SharingAttributes.None;

    /// <summary>How the record stands with other departments; null until it was first due for announcing.</summary>
    public RecordAnnouncement? Announcement { get; set; }

    /// <summary>
    /// The secrecy review (保密审查) before the record is first announced: null when none is needed, otherwise
    /// <see cref="SecrecyReviews.Awaiting"/>, <see cref="SecrecyReviews.Released"/> or <see cref="SecrecyReviews.Kept"/>.
    /// </summary>
    public string? SecrecyReview { get; set; }
    public DateTimeOffset? ReviewRequestedAt { get; set; }
    public DateTimeOffset? ReviewedAt { get; set; }
    public string? ReviewedBy { get; set; }
    public string? ReviewReason { get; set; }
}

public enum RecordStatus
{
    Active,
    Withdrawn,
}

/// <summary>One stored version of a record's metadata (the history behind <see cref="ArchiveRecord.Version"/>).</summary>
public sealed class ArchiveRecordVersion
{
    public Guid RecordId { get; set; }
    public int Version { get; set; }
    public required RecordMetadata Metadata { get; set; }
    public RecordStatus Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public int QualityScore { get; set; }
    public List<QualityIssue> QualityIssues { get; set; } = [];
}

/// <summary>A record another department published: metadata only, kept up to date from its events.</summary>
public sealed class FederatedRecord : ISearchedRecord
{
    public Guid RecordId { get; set; }
    public required string Department { get; set; }
    public int Version { get; set; }
    public required RecordMetadata Metadata { get; set; }

    /// <summary>The fields its owner announced (the others are empty in <see cref="Metadata"/>); null for copies received before views existed.</summary>
    public List<string>? Fields { get; set; }

    /// <summary>Copied out of <see cref="Metadata"/> so lists can filter and search on them.</summary>
    public required string Title { get; set; }
    public required string FondsCode { get; set; }
    public string? Category { get; set; }
    public int Year { get; set; }
    public string SearchTokens { get; set; } = "";
    public NpgsqlTypes.NpgsqlTsVector? SearchVector { get; set; }

    public bool Withdrawn { get; set; }
    public DateTimeOffset PublishedAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>A withdrawn record whose publication has not arrived yet: hidden, and newer than that publication.</summary>
    public static FederatedRecord Tombstone(Guid recordId, string department, int version, DateTimeOffset withdrawnAt) => new()
    {
        RecordId = recordId,
        Department = department,
        Version = version,
        Metadata = Nothing,
        Fields = [],
        Title = "",
        FondsCode = "",
        Withdrawn = true,
        PublishedAt = withdrawnAt,
        ReceivedAt = withdrawnAt,
    };

    private static readonly RecordMetadata Nothing = new("", "", "", "", "", DateOnly.MinValue, null, "", "", null, [], null, SharingAttributes.None);

    /// <summary>Its owner withdrew it, or this department may no longer see it: hidden, and nothing of it is kept (nor found by search).</summary>
    public void Withdraw(int version)
    {
        Version = version;
        Withdrawn = true;
        Metadata = Nothing;
        Fields = [];
        Title = "";
        Category = null;
        SearchTokens = "";
    }

    public void Apply(int version, RecordMetadata metadata, IReadOnlyList<string>? fields)
    {
        Version = version;
        Metadata = metadata;
        Fields = fields is null ? null : [.. fields];
        Title = metadata.Title;
        FondsCode = metadata.FondsCode;
        Category = metadata.Category;
        Year = metadata.Date.Year;
        SearchTokens = SearchText.For(metadata);
        Withdrawn = false;
    }
}

public static class SharingAttributes
{
    public const string Unconditional = "unconditional";
    public const string Conditional = "conditional";
    public const string None = "none";
}
