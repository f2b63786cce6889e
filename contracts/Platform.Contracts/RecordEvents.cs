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

/// <summary>
/// A run of one department's record events, in the order its catalogue committed them, carried as one message: a
/// department pushing whole archives announces thousands of records a minute, and one message per event made the
/// broker and every consumer pay per event. Each entry keeps its own event id, which consumers' inboxes key on, so an
/// event is applied once however often (and in whichever run) it is delivered. Exactly one of an entry's events is set.
/// Nodes still accept the single <see cref="RecordPublished"/>, <see cref="RecordUpdated"/> and
/// <see cref="RecordWithdrawn"/> messages (from nodes that publish them one by one).
/// </summary>
public sealed record RecordEventBatch(string Department, IReadOnlyList<RecordEventEntry> Events);

/// <summary>One event of a <see cref="RecordEventBatch"/>.</summary>
public sealed record RecordEventEntry(Guid EventId, RecordPublished? Published = null, RecordUpdated? Updated = null, RecordWithdrawn? Withdrawn = null);
