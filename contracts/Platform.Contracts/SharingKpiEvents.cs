namespace Platform.Contracts;

/// <summary>
/// An incoming access request changed state at its owner (<see cref="Status"/>: <c>submitted</c>, <c>pending-review</c>,
/// <c>overdue</c>, <c>approved</c>, <c>rejected</c>). Broadcast like record events, so every node's audit can count the
/// exchange's traffic and compute every department's sharing KPIs (绩效考核): it carries no purpose, fields, names or
/// content, only the facts a supervisor measures.
/// </summary>
public sealed record AccessRequestTracked(
    Guid RequestId,
    string OwnerDepartment,
    string RequesterDepartment,
    string Status,
    DateTimeOffset SubmittedAt,
    DateTimeOffset? ReviewDeadline,
    bool Automatic,
    DateTimeOffset OccurredAt);

/// <summary>The values of <see cref="AccessRequestTracked.Status"/>.</summary>
public static class TrackedStatus
{
    public const string Submitted = "submitted";
    public const string PendingReview = "pending-review";
    public const string Overdue = "overdue";
    public const string Approved = "approved";
    public const string Rejected = "rejected";
}
