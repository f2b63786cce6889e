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
