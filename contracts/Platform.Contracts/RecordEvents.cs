namespace Platform.Contracts;

/// <summary>Archive metadata announced to other departments (never content or attachments).</summary>
public sealed record RecordMetadata(
    string ExternalId,
    string FondsCode,
    string ArchivalCode,
    string Title,
    string Creator,
    DateOnly Date,
    string? DocumentNumber,
    string RetentionPeriod,
    string Classification,
    string? Category,
    IReadOnlyList<string> Keywords,
    string? Description,
    string Sharing);

/// <summary>A department made a record discoverable by other departments.</summary>
public sealed record RecordPublished(
    Guid RecordId,
    string Department,
    int Version,
    RecordMetadata Metadata,
    DateTimeOffset OccurredAt);

/// <summary>A published record changed; <see cref="Version"/> is the new version.</summary>
public sealed record RecordUpdated(
    Guid RecordId,
    string Department,
    int Version,
    RecordMetadata Metadata,
    DateTimeOffset OccurredAt);

/// <summary>A department withdrew a record; peers drop it from their federated view.</summary>
public sealed record RecordWithdrawn(
    Guid RecordId,
    string Department,
    int Version,
    DateTimeOffset OccurredAt);
