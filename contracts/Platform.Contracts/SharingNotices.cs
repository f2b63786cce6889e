namespace Platform.Contracts;

/// <summary>
/// Something a department's people should hear about an access request or a grant: a review to do, a review deadline
/// coming or passed, a decision, a grant about to expire. The sharing service that knows it publishes it; the
/// notification service of <see cref="Department"/> turns it into webhooks, e-mails and inbox items for the
/// subscriptions that want <see cref="Kind"/>. Routing key: <see cref="Department"/>.
/// </summary>
public sealed record SharingNotice(
    string Department,
    string Kind,
    Guid RequestId,
    Guid? GrantId,
    Guid RecordId,
    string OwnerDepartment,
    string RequesterDepartment,
    string Summary,
    DateTimeOffset? Due,
    DateTimeOffset OccurredAt)
{
    /// <summary>The department on the other side of the request, as seen from <see cref="Department"/>.</summary>
    public string Counterpart => Department == OwnerDepartment ? RequesterDepartment : OwnerDepartment;
}

/// <summary>The values of <see cref="SharingNotice.Kind"/>, which are also the event types subscribers choose.</summary>
public static class SharingNoticeKinds
{
    /// <summary>To the owner: a conditional request waits for review.</summary>
    public const string ReviewRequested = "review.requested";

    /// <summary>To the owner: a pending review's deadline is near.</summary>
    public const string ReviewDeadlineApproaching = "review.deadline-approaching";

    /// <summary>To the owner and the requester: a pending review passed its deadline.</summary>
    public const string ReviewOverdue = "review.overdue";

    /// <summary>To the requester: the owner approved or rejected the request.</summary>
    public const string RequestDecided = "request.decided";

    /// <summary>To the requester: a grant it holds expires soon.</summary>
    public const string GrantExpiring = "grant.expiring";

    public static readonly IReadOnlyList<string> All = [ReviewRequested, ReviewDeadlineApproaching, ReviewOverdue, RequestDecided, GrantExpiring];
}
