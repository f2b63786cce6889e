namespace Platform.Contracts;

// Bulk requests and subscriptions (docs/SHARING.md). Like the per-record messages, each is for ONE department: a direct
// exchange per type, that department's id as routing key (named in each summary). Every record they concern becomes an
// ordinary per-record access request (SubmitAccessRequest), so policy, review, grants and delivery stay in one place.

/// <summary>Which of the owner's records a bulk request or subscription is about: every given criterion must match.</summary>
public sealed record RecordSelection(string? FondsCode, string? Category, int? Year);

/// <summary>A requester asks for every record of the owner that matches a selection, with one purpose. Routing key: <see cref="OwnerDepartment"/>.</summary>
public sealed record SubmitBulkAccessRequest(
    Guid BulkRequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    RecordSelection Selection,
    string Purpose,
    IReadOnlyList<string> Fields,
    string RequestedBy,
    DateTimeOffset SubmittedAt);

/// <summary>One matching record of a bulk request, with the id its per-record access request carries.</summary>
public sealed record BulkAccessRequestItem(Guid RequestId, Guid RecordId);

/// <summary>
/// The owner's answer to a bulk request: the matching records (each then requested with its own
/// <see cref="SubmitAccessRequest"/>), or a <see cref="Refusal"/> of the whole selection (e.g. more records match than
/// the owner accepts at once). Routing key: <see cref="RequesterDepartment"/>.
/// </summary>
public sealed record BulkAccessRequestExpanded(
    Guid BulkRequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    int Matched,
    IReadOnlyList<BulkAccessRequestItem> Items,
    string? Refusal,
    DateTimeOffset OccurredAt);

/// <summary>A department subscribes to the owner's records of a selection as they are published. Routing key: <see cref="OwnerDepartment"/>.</summary>
public sealed record SubscribeToRecords(
    Guid SubscriptionId,
    string OwnerDepartment,
    string SubscriberDepartment,
    RecordSelection Selection,
    string Purpose,
    IReadOnlyList<string> Fields,
    string RequestedBy,
    DateTimeOffset OccurredAt);

/// <summary>The subscriber cancelled its subscription; no further records are offered. Routing key: <see cref="OwnerDepartment"/>.</summary>
public sealed record CancelRecordSubscription(
    Guid SubscriptionId,
    string OwnerDepartment,
    string SubscriberDepartment,
    string CancelledBy,
    DateTimeOffset OccurredAt);

/// <summary>
/// The owner published (or updated) a record that matches a subscription and is shared unconditionally with the
/// subscriber: the subscriber requests it under <see cref="RequestId"/> and gets a grant at once.
/// Routing key: <see cref="SubscriberDepartment"/>.
/// </summary>
public sealed record SubscribedRecordAvailable(
    Guid SubscriptionId,
    Guid RequestId,
    string OwnerDepartment,
    string SubscriberDepartment,
    Guid RecordId,
    string Title,
    int Version,
    DateTimeOffset OccurredAt);
