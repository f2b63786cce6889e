using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Apis;

/// <summary>What a departmental system sends for one record (documentation shape; the body is validated field by field).</summary>
public sealed record RecordInput(
    string ExternalId,
    string FondsCode,
    string ArchivalCode,
    string Title,
    string Creator,
    string Date,
    string? DocumentNumber,
    string RetentionPeriod,
    string Classification,
    string? Category,
    string[]? Keywords,
    string? Description,
    string? Sharing);

/// <summary>Result of one push: the record's id, its current version and what the push did (created, updated, unchanged).</summary>
public sealed record PushResult(Guid Id, string ExternalId, int Version, string Outcome);

/// <summary>A record as the API shows it: identity, state and its normalised metadata.</summary>
public sealed record RecordView(
    Guid Id,
    string Department,
    int Version,
    string Status,
    RecordMetadata Metadata,
    DateTimeOffset UpdatedAt)
{
    public static RecordView From(ArchiveRecord record) =>
        new(record.Id, record.Department, record.Version, record.Status.ToString().ToLowerInvariant(), record.ToMetadata(), record.UpdatedAt);

    public static RecordView From(FederatedRecord record) =>
        new(record.RecordId, record.Department, record.Version, record.Withdrawn ? "withdrawn" : "active", record.Metadata, record.PublishedAt);

    public static RecordView From(ArchiveRecordVersion version, string department) =>
        new(version.RecordId, department, version.Version, version.Status.ToString().ToLowerInvariant(), version.Metadata, version.CreatedAt);
}

/// <summary>One page of a list, with the total so clients can page.</summary>
public sealed record PageOf<T>(IReadOnlyList<T> Items, int Page, int PageSize, int Total);

/// <summary>Paging parameters shared by list endpoints.</summary>
public readonly record struct Paging(int? Page, int? PageSize)
{
    public int Number => Math.Max(1, Page ?? 1);
    public int Size => Math.Clamp(PageSize ?? 50, 1, 500);
    public int Skip => (Number - 1) * Size;
}
