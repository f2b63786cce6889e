using MassTransit;
using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// An access request, kept by both departments: <c>incoming</c> at the owner, where it is decided — there it is the
/// instance of <see cref="Saga.AccessRequestStateMachine"/>, whose state is <see cref="Status"/> — and <c>outgoing</c>
/// at the requester, a copy that follows the owner's messages (<see cref="MoveTo"/>). Every change adds an
/// <see cref="AccessRequestEvent"/> (the timeline the requester sees) and commits with the messages that announce it (outbox).
/// </summary>
public sealed class AccessRequest : SagaStateMachineInstance
{
    public Guid Id { get; set; }

    Guid ISaga.CorrelationId { get => Id; set => Id = value; }
    public required string Direction { get; set; }
    public required string OwnerDepartment { get; set; }
    public required string RequesterDepartment { get; set; }
    public Guid RecordId { get; set; }
    public string? RecordTitle { get; set; }
    public required string Purpose { get; set; }
    public List<string> Fields { get; set; } = [];
    public required string RequestedBy { get; set; }
    public required string Status { get; set; }
    public bool Automatic { get; set; }
    public string? Rule { get; set; }
    public int? RuleVersion { get; set; }
    public DateTimeOffset? ReviewDeadline { get; set; }
    public bool Overdue { get; set; }

    /// <summary>When the owner's reviewers were reminded that the deadline is near.</summary>
    public DateTimeOffset? ReminderSentAt { get; set; }
    public string? Reason { get; set; }
    public string? DecidedBy { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public Guid? GrantId { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public uint Concurrency { get; set; }
    public List<AccessRequestEvent> History { get; set; } = [];

    /// <summary>The saga's pending review-deadline timeout (owner side).</summary>
    public Guid? ReviewDeadlineToken { get; set; }

    /// <summary>The saga's pending reminder timeout (owner side).</summary>
    public Guid? ReviewReminderToken { get; set; }

    /// <summary>What the saga's current step concluded (policy verdict, or a refusal to approve); not stored.</summary>
    internal string? Verdict { get; set; }

    /// <summary>The owner's copy of a request routed to it, before the state machine decides it (no state yet).</summary>
    public static AccessRequest Received(SubmitAccessRequest message, string owner, DateTimeOffset now)
    {
        var request = new AccessRequest
        {
            Id = message.RequestId,
            Direction = AccessRequestStatus.Incoming,
            OwnerDepartment = owner,
            RequesterDepartment = message.RequesterDepartment,
            RecordId = message.RecordId,
            Purpose = message.Purpose,
            Fields = [.. message.Fields],
            RequestedBy = message.RequestedBy,
            // No state yet: the state machine starts from its initial state and sets the one the policy decides.
            Status = null!,
            SubmittedAt = message.SubmittedAt,
            UpdatedAt = now,
        };
        request.History.Add(new AccessRequestEvent { RequestId = request.Id, Status = AccessRequestStatus.Submitted, At = message.SubmittedAt, Note = $"from {message.RequesterDepartment}" });
        return request;
    }

    /// <summary>
    /// Requester's copy: moves to <paramref name="status"/> as the owner reported it, if that follows from the current
    /// status (the owner's messages travel on separate queues and can overtake each other); false (and no change) otherwise.
    /// </summary>
    public bool MoveTo(string status, DateTimeOffset at, string? note = null)
    {
        if (!AccessRequestStatus.CanMove(Status, status))
        {
            return false;
        }
        Status = status;
        UpdatedAt = at;
        History.Add(new AccessRequestEvent { RequestId = Id, Status = status, Note = note, At = at });
        return true;
    }

    /// <summary>Adds a step to the timeline (a state the saga entered, or a flag such as <c>overdue</c>).</summary>
    public void Flag(string what, DateTimeOffset at, string? note)
    {
        UpdatedAt = at;
        History.Add(new AccessRequestEvent { RequestId = Id, Status = what, Note = note, At = at });
    }
}

/// <summary>One step of a request's timeline.</summary>
public sealed class AccessRequestEvent
{
    public long Id { get; set; }
    public Guid RequestId { get; set; }
    public required string Status { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset At { get; set; }
}

/// <summary>
/// The statuses a request shows: submitted → pending-review | approved | rejected; pending-review → approved | rejected;
/// approved → revoked. The owner's transitions are the state machine's; <see cref="CanMove"/> guards the requester's copy.
/// </summary>
public static class AccessRequestStatus
{
    public const string Submitted = "submitted";
    public const string PendingReview = "pending-review";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
    public const string Revoked = "revoked";

    public const string Incoming = "incoming";
    public const string Outgoing = "outgoing";

    public static readonly IReadOnlyList<string> All = [Submitted, PendingReview, Approved, Rejected, Revoked];

    public static bool CanMove(string from, string to) => (from, to) switch
    {
        (Submitted, PendingReview or Approved or Rejected) => true,
        (PendingReview, Approved or Rejected) => true,
        (Approved, Revoked) => true,
        _ => false,
    };
}

/// <summary>
/// A signed grant: issued by this department (<c>issued</c>, owner side) or received from the owner
/// (<c>received</c>, requester side). <see cref="Token"/> is the JWS the owner verifies on every fetch.
/// </summary>
public sealed class Grant
{
    public Guid Id { get; set; }
    public required string Direction { get; set; }
    public Guid RequestId { get; set; }
    public required string OwnerDepartment { get; set; }
    public required string RequesterDepartment { get; set; }
    public Guid RecordId { get; set; }
    public List<string> Fields { get; set; } = [];
    public Dictionary<string, string> Masks { get; set; } = [];
    public DateTimeOffset IssuedAt { get; set; }
    public DateTimeOffset ExpiresAt { get; set; }
    public DateTimeOffset? RevokedAt { get; set; }
    public string? RevokeReason { get; set; }

    /// <summary>When the holder was told that the grant expires soon (owner side).</summary>
    public DateTimeOffset? ExpiryReminderSentAt { get; set; }
    public required string Token { get; set; }
    public int Deliveries { get; set; }

    public string StateAt(DateTimeOffset now) => RevokedAt is not null ? "revoked" : now >= ExpiresAt ? "expired" : "active";

    public const string Issued = "issued";
    public const string Received = "received";
}

/// <summary>
/// A department's directory entry as last heard in a NodeAnnounced the authority's signature verified: its gateway and node
/// keys, plus the signed entry itself (<see cref="Entry"/>, <see cref="Signature"/>) so the directory can take it back after a restart.
/// </summary>
public sealed class PeerNode
{
    public required string Department { get; set; }
    public required string Name { get; set; }
    public required string GatewayUrl { get; set; }
    public List<NodeKeyEntry> Keys { get; set; } = [];
    public DateTimeOffset IssuedAt { get; set; }
    public required string Entry { get; set; }
    public required string Signature { get; set; }
    public DateTimeOffset AnnouncedAt { get; set; }
}

/// <summary>A record another department published (learnt from its events): where to send a request for it.</summary>
public sealed class PeerRecord
{
    public Guid RecordId { get; set; }
    public required string Department { get; set; }
    public required string Title { get; set; }
    public int Version { get; set; }
    public bool Withdrawn { get; set; }
}
