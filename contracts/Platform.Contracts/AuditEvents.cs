namespace Platform.Contracts;

/// <summary>
/// A state-changing API call (any method but GET/HEAD/OPTIONS) or a denied call (401/403) on one of a node's services.
/// Never carries bodies, query strings or headers: they can hold secrets or personal data.
/// </summary>
public sealed record ApiCallRecorded(
    string Node,
    string Service,
    string? Department,
    string? ClientId,
    IReadOnlyList<string> Roles,
    string Method,
    string Path,
    string? Route,
    int Status,
    string? TraceId,
    double DurationMs,
    DateTimeOffset OccurredAt);

/// <summary>
/// The calls a node's gateway turned away itself (401, 403, 413, 429, failed token requests) from one source address for
/// one reason within one window (a minute by default), counted: a flood is one audit entry per source, reason and window,
/// not one per request. <see cref="Source"/> is an IPv4 address or an IPv6 /64 prefix. The samples hold at most a few
/// distinct values each (never bodies, query strings, headers or secrets).
/// </summary>
public sealed record GatewayDenialsCounted(
    string Node,
    string Source,
    string Reason,
    int Status,
    long Count,
    DateTimeOffset WindowStart,
    DateTimeOffset FirstAt,
    DateTimeOffset LastAt,
    string? Department,
    IReadOnlyList<string> ClientIds,
    IReadOnlyList<string> Methods,
    IReadOnlyList<string> Paths);

/// <summary>
/// A node's signed statement "my audit chain had head <see cref="Head"/> at entry <see cref="Sequence"/>", published so that
/// other nodes keep witness copies. The public key travels with it (pinned by peers on first use) until the node directory
/// carries node keys. <see cref="Signature"/> is ECDSA P-256/SHA-256 (DER, base64) over <see cref="SignedText"/>.
/// </summary>
public sealed record AuditCheckpoint(
    string Node,
    long Sequence,
    string Head,
    DateTimeOffset CreatedAt,
    string KeyId,
    string PublicKeyPem,
    string Signature)
{
    public static string SignedText(string node, long sequence, string head, DateTimeOffset createdAt) =>
        $"audit-checkpoint/1|{node}|{sequence}|{head}|{createdAt.UtcDateTime:O}";
}

/// <summary>A node asks its peers for the witness copies they hold of its checkpoints (answered by <see cref="WitnessCopiesProvided"/>).</summary>
public sealed record WitnessCopiesRequested(Guid RequestId, string Node);

/// <summary>A witness's answer: the checkpoints of <see cref="Node"/> it holds, each still carrying the node's own signature.</summary>
public sealed record WitnessCopiesProvided(Guid RequestId, string Witness, string Node, IReadOnlyList<WitnessCopy> Checkpoints);

public sealed record WitnessCopy(long Sequence, string Head, DateTimeOffset CreatedAt, string KeyId, string Signature);

/// <summary>
/// Inside one node: a service refused a message from the exchange before any consumer saw it (bad or missing signature,
/// unknown key, sender not the department the body names, stale, replayed, not addressed here) and quarantined it.
/// </summary>
public sealed record MessageRejected(
    string Node,
    string Service,
    string Reason,
    string Detail,
    string? MessageType,
    Guid? MessageId,
    string? ClaimedSender,
    string? ReceivedFrom,
    DateTimeOffset OccurredAt);

/// <summary>
/// Inside one node: a secrecy reviewer (保密审查) released a record for announcing (<see cref="Decision"/> <c>released</c>)
/// or kept it from other departments (<c>kept</c>), with a reason. <see cref="AwaitingSince"/> is when it entered the queue.
/// </summary>
public sealed record SecrecyReviewDecided(
    Guid RecordId,
    string Department,
    string Decision,
    string Reason,
    string ReviewedBy,
    DateTimeOffset AwaitingSince,
    DateTimeOffset DecidedAt);
