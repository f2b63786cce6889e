namespace Platform.Contracts;

/// <summary>
/// A record's archive metadata (never content or attachments). Inside its department's node the whole record; what
/// other departments receive is the view the owner's sharing policy allows (docs/SHARING.md), where a field outside the
/// view is empty (<c>""</c>, null or no keywords) and the event's <c>Fields</c> name the fields that were announced.
/// </summary>
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

/// <summary>
/// A department made a record discoverable. Inside the node <see cref="Version"/> is the record's version and
/// <see cref="Fields"/> is null (the whole record); in an announcement to other departments <see cref="Version"/> is
/// the announcement's revision (it grows with every view announced, also when only the policy changed) and
/// <see cref="Fields"/> the fields the view holds.
/// </summary>
public sealed record RecordPublished(
    Guid RecordId,
    string Department,
    int Version,
    RecordMetadata Metadata,
    DateTimeOffset OccurredAt,
    IReadOnlyList<string>? Fields = null);

/// <summary>A published record changed (or, in an announcement, its view did); <see cref="Version"/> is the new version.</summary>
public sealed record RecordUpdated(
    Guid RecordId,
    string Department,
    int Version,
    RecordMetadata Metadata,
    DateTimeOffset OccurredAt,
    IReadOnlyList<string>? Fields = null);

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

/// <summary>
/// What a department announces of its records to every other department: the views its sharing policy allows
/// everyone to see, in the order its catalogue decided them. Withdrawals tell peers to drop their copy.
/// </summary>
public sealed record RecordAnnouncementBatch(string Department, IReadOnlyList<RecordEventEntry> Events);

/// <summary>
/// The same for one department only (<see cref="Addressee"/>): records a rule restricts to named departments, and
/// withdrawals from a department that may no longer see a record. No other department receives it.
/// </summary>
public sealed record DirectedRecordAnnouncementBatch(string Department, string Addressee, IReadOnlyList<RecordEventEntry> Events);

/// <summary>One event of a <see cref="RecordEventBatch"/> or of an announcement.</summary>
public sealed record RecordEventEntry(Guid EventId, RecordPublished? Published = null, RecordUpdated? Updated = null, RecordWithdrawn? Withdrawn = null);
