namespace Platform.SharingPolicy.Saga;

// Messages between this service's own parts and its access-request saga (never sent to another process): the
// reviewers' commands from the API, and the saga's own scheduled timeouts.

/// <summary>A reviewer approves (<see cref="Approve"/>) or rejects the pending request <see cref="RequestId"/>; answered with <see cref="ReviewOutcome"/>.</summary>
public sealed record ReviewAccessRequest(Guid RequestId, bool Approve, string Reviewer, string? Comment);

/// <summary>A reviewer revokes the grant issued for request <see cref="RequestId"/>; answered with <see cref="ReviewOutcome"/>.</summary>
public sealed record RevokeAccessRequest(Guid RequestId, Guid GrantId, string Reason, string RevokedBy);

/// <summary>
/// What the saga did with a reviewer's command: <see cref="Applied"/>, or why not (<see cref="Problem"/>, with the HTTP
/// status the API answers). <see cref="Repeated"/>: the command's message id was handled before (a redelivery).
/// </summary>
public sealed record ReviewOutcome(Guid RequestId, bool Applied, string? Title = null, string? Problem = null, int StatusCode = 200, bool Repeated = false)
{
    public static ReviewOutcome Done(Guid id) => new(id, true);

    public static ReviewOutcome Conflict(Guid id, string title, string problem) => new(id, false, title, problem, 409);
}

/// <summary>Scheduled by the saga for the review deadline: the review is overdue if still pending.</summary>
public sealed record ReviewDeadlineReached(Guid RequestId);

/// <summary>Scheduled by the saga <see cref="Infrastructure.SharingOptions.ReviewReminderBefore"/> ahead of the deadline: remind the reviewers.</summary>
public sealed record ReviewReminderDue(Guid RequestId);
