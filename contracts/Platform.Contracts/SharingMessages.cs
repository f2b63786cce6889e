namespace Platform.Contracts;

// Messages of the access-request flow (ARCHITECTURE.md §2). Everything here except NodeAnnounced is for ONE
// department: it travels through a direct exchange named after its type with that department's id as routing key
// (see RoutedMessages), and each node binds only its own key. The routing key of each type is named in its summary.

/// <summary>
/// A node's entry in the node directory, announced (broadcast) at start-up and on key rotation. Only the
/// authority-signed <see cref="Entry"/> counts: its keys verify the messages, grants and proofs the node signs.
/// </summary>
public sealed record NodeAnnounced(string Department, SignedDirectoryEntry Entry, DateTimeOffset AnnouncedAt);

/// <summary>A requester asks the owner for access to one record. Routing key: <see cref="OwnerDepartment"/>.</summary>
public sealed record SubmitAccessRequest(
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    Guid RecordId,
    string Purpose,
    IReadOnlyList<string> Fields,
    string RequestedBy,
    DateTimeOffset SubmittedAt);

/// <summary>The owner put a conditional request up for review. Routing key: <see cref="RequesterDepartment"/>.</summary>
public sealed record AccessReviewStarted(
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    DateTimeOffset ReviewDeadline,
    DateTimeOffset OccurredAt);

/// <summary>A pending review passed its deadline (flagged, still decidable). Routing key: <see cref="RequesterDepartment"/>.</summary>
public sealed record AccessReviewOverdue(
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    DateTimeOffset ReviewDeadline,
    DateTimeOffset OccurredAt);

/// <summary>
/// The owner decided: <c>approved</c> or <c>rejected</c>, automatically (by the sharing attribute and rules) or by a
/// reviewer. Routing key: <see cref="RequesterDepartment"/>.
/// </summary>
public sealed record AccessDecided(
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    Guid RecordId,
    string Decision,
    bool Automatic,
    string? Reason,
    string? DecidedBy,
    DateTimeOffset OccurredAt);

/// <summary>
/// A signed grant for an approved request. <see cref="Token"/> is the JWS signed with the owner's node key; the
/// requester presents it to the owner's gateway to fetch the content. Routing key: <see cref="RequesterDepartment"/>.
/// </summary>
public sealed record GrantIssued(
    Guid GrantId,
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    Guid RecordId,
    IReadOnlyList<string> Fields,
    IReadOnlyDictionary<string, string> Masks,
    DateTimeOffset ExpiresAt,
    string Token,
    DateTimeOffset OccurredAt);

/// <summary>The owner revoked a grant; the next fetch is refused. Routing key: <see cref="RequesterDepartment"/>.</summary>
public sealed record GrantRevoked(
    Guid GrantId,
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    string Reason,
    string RevokedBy,
    DateTimeOffset OccurredAt);

/// <summary>A sharing rule was created or changed (a new version). Routing key: <see cref="Department"/> (its own node's audit).</summary>
public sealed record SharingRuleChanged(
    string Department,
    string Rule,
    int Version,
    string ChangedBy,
    string Snapshot,
    DateTimeOffset OccurredAt);

/// <summary>
/// Granted content left the owner (<see cref="Side"/> <c>owner</c>) or reached the requester (<c>requester</c>).
/// Routing key: <see cref="Node"/>, the department whose node recorded it.
/// </summary>
public sealed record ContentDelivered(
    Guid GrantId,
    Guid RecordId,
    string OwnerDepartment,
    string RequesterDepartment,
    string Node,
    string Side,
    IReadOnlyList<string> Fields,
    IReadOnlyList<string> MaskedFields,
    DateTimeOffset OccurredAt);

/// <summary>
/// A content fetch was refused (forged, expired, revoked, other department's grant, unknown node…).
/// Routing key: <see cref="Node"/>, the department whose node refused it.
/// </summary>
public sealed record ContentDenied(
    Guid? GrantId,
    string Node,
    string? ClaimedRequester,
    string Reason,
    string? RemoteAddress,
    DateTimeOffset OccurredAt);

/// <summary>Inside one node: the sharing service asks its own catalogue for a record's current content (request/response).</summary>
public sealed record GetRecordContent(Guid RecordId);

/// <summary>The catalogue's answer to <see cref="GetRecordContent"/>; <see cref="Found"/> is false for an unknown or withdrawn record.</summary>
public sealed record RecordContent(
    Guid RecordId,
    bool Found,
    string? Department,
    int Version,
    RecordMetadata? Metadata,
    DateTimeOffset? UpdatedAt);

/// <summary>The values of <see cref="AccessDecided.Decision"/> and of the sharing attribute (共享属性).</summary>
public static class SharingTerms
{
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Unconditional = "unconditional";
    public const string Conditional = "conditional";
    public const string None = "none";
}
