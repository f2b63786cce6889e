using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.SharingPolicy.Infrastructure;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// What each step of the owner's access-request lifecycle does: deciding a submitted request by policy, reviewers'
/// decisions, grants, revocation, the deadline's reminder and flag. The steps are driven by
/// <see cref="Saga.AccessRequestStateMachine"/>, which owns the transitions; each method here changes the request's
/// data and timeline and queues the messages for the requester in the saga's unit of work (one transaction with the outbox).
/// </summary>
public sealed partial class SharingWorkflow(SharingDbContext db, GrantTokens tokens, IOptions<SharingOptions> options, IOptions<NodeOptions> node, TimeProvider clock,
    ILogger<SharingWorkflow> logger)
{
    private string Self => node.Value.Id;

    /// <summary>
    /// A request arrived from another department: decide what policy allows. Sets <see cref="AccessRequest.Verdict"/> to
    /// approved, rejected or pending-review (then with its review deadline).
    /// </summary>
    public async Task ReceiveAsync(AccessRequest request, SubmitAccessRequest message, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        Track(request, TrackedStatus.Submitted, automatic: false, now);
        var record = message.OwnerDepartment == Self
            ? await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.RecordId == message.RecordId, cancellationToken)
            : null;
        if (record is null)
        {
            Reject(request, "No such record at this department.", automatic: true, by: null, now);
            request.Verdict = AccessRequestStatus.Rejected;
            return;
        }
        var decision = await EvaluateAsync(record, request, cancellationToken);
        request.Rule = decision.Rule?.Name;
        request.RuleVersion = decision.Rule?.Version;
        if (decision.Refusal is not null)
        {
            Reject(request, decision.Refusal, automatic: true, by: null, now);
            request.Verdict = AccessRequestStatus.Rejected;
        }
        else if (decision.Sharing == SharingTerms.Unconditional)
        {
            Approve(request, decision, automatic: true, by: null, comment: "无条件共享: granted at once.", now);
            request.Verdict = AccessRequestStatus.Approved;
        }
        else
        {
            request.ReviewDeadline = decision.Rule?.ReviewTimeLimit is { } limit
                ? now + limit
                : WorkingDays.Add(now, decision.Rule?.ReviewWorkingDays ?? options.Value.ReviewWorkingDays, options.Value.Holidays.ToHashSet());
            request.Flag(AccessRequestStatus.PendingReview, now, $"review due by {request.ReviewDeadline:u}");
            db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewRequested, Self,
                $"{request.RequesterDepartment} 申请查阅档案，请于 {Notices.Local(request.ReviewDeadline.Value)} 前审核（用途：{request.Purpose}）", request.ReviewDeadline, now));
            db.Publish(new AccessReviewStarted(request.Id, Self, request.RequesterDepartment, request.ReviewDeadline.Value, now));
            Track(request, TrackedStatus.PendingReview, automatic: false, now);
            request.Verdict = AccessRequestStatus.PendingReview;
        }
    }

    /// <summary>A reviewer's approval: the policy is evaluated again (rules may have changed), then a grant is issued.</summary>
    /// <returns>Why the policy no longer allows it (and nothing changed), or null once approved.</returns>
    public async Task<string?> ApproveByReviewerAsync(AccessRequest request, string reviewer, string? comment, CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.RecordId == request.RecordId, cancellationToken);
        if (record is null)
        {
            return "The record is no longer known to the sharing policy.";
        }
        var decision = await EvaluateAsync(record, request, cancellationToken);
        if (decision.Refusal is not null)
        {
            return decision.Refusal;
        }
        Approve(request, decision, automatic: false, by: reviewer, comment, clock.GetUtcNow());
        return null;
    }

    public void Reject(AccessRequest request, string reason, bool automatic, string? by, DateTimeOffset now)
    {
        request.Flag(AccessRequestStatus.Rejected, now, reason);
        request.Reason = reason;
        request.Automatic = automatic;
        request.DecidedBy = by;
        request.DecidedAt = now;
        db.Publish(Notices.Of(request, SharingNoticeKinds.RequestDecided, request.RequesterDepartment, $"{Self} 驳回了查阅申请：{reason}", null, now));
        db.Publish(new AccessDecided(request.Id, Self, request.RequesterDepartment, request.RecordId, SharingTerms.Rejected, automatic, reason, by, now));
        Track(request, TrackedStatus.Rejected, automatic, now);
    }

    public async Task RevokeAsync(AccessRequest request, Guid grantId, string reason, string by, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var grant = await db.Grants.SingleAsync(g => g.Id == grantId && g.RequestId == request.Id && g.Direction == Grant.Issued, cancellationToken);
        grant.RevokedAt = now;
        grant.RevokeReason = reason;
        request.Flag(AccessRequestStatus.Revoked, now, reason);
        db.Publish(new GrantRevoked(grant.Id, grant.RequestId, Self, grant.RequesterDepartment, reason, by, now));
    }

    /// <summary>The review deadline is near: the owner's reviewers are reminded (the saga schedules this once).</summary>
    public void RemindReviewers(AccessRequest request)
    {
        if (request.Overdue)
        {
            // Both fell due while the service was down and the deadline came first: the overdue notice says it all.
            return;
        }
        var now = clock.GetUtcNow();
        request.ReminderSentAt = now;
        db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewDeadlineApproaching, request.OwnerDepartment,
            $"{request.RequesterDepartment} 的查阅申请将于 {Notices.Local(request.ReviewDeadline!.Value)} 到期，请及时审核", request.ReviewDeadline, now));
    }

    /// <summary>The review deadline passed: flagged overdue (it stays pending), both sides told, the owner's KPI counts it.</summary>
    public void FlagOverdue(AccessRequest request)
    {
        var now = clock.GetUtcNow();
        db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewOverdue, request.OwnerDepartment,
            $"{request.RequesterDepartment} 的查阅申请已超过审核期限（{Notices.Local(request.ReviewDeadline!.Value)}），请尽快处理", request.ReviewDeadline, now));
        db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewOverdue, request.RequesterDepartment,
            $"{request.OwnerDepartment} 未在期限（{Notices.Local(request.ReviewDeadline!.Value)}）内审核您的查阅申请，已标记为逾期", request.ReviewDeadline, now));
        request.Overdue = true;
        request.Flag("overdue", now, $"review deadline {request.ReviewDeadline:u} passed");
        db.Publish(new AccessReviewOverdue(request.Id, request.OwnerDepartment, request.RequesterDepartment, request.ReviewDeadline!.Value, now));
        Track(request, TrackedStatus.Overdue, automatic: false, now);
        LogOverdue(logger, request.Id, request.RequesterDepartment);
    }

    private void Approve(AccessRequest request, SharingDecision decision, bool automatic, string? by, string? comment, DateTimeOffset now)
    {
        var grant = new Grant
        {
            Id = Guid.CreateVersion7(),
            Direction = Grant.Issued,
            RequestId = request.Id,
            OwnerDepartment = Self,
            RequesterDepartment = request.RequesterDepartment,
            RecordId = request.RecordId,
            Fields = [.. decision.Fields],
            Masks = new Dictionary<string, string>(decision.Masks),
            IssuedAt = now,
            ExpiresAt = now + decision.GrantValidity,
            Token = "",
        };
        grant.Token = tokens.SignGrant(grant);
        db.Grants.Add(grant);

        request.Flag(AccessRequestStatus.Approved, now, comment);
        request.Reason = comment;
        request.Automatic = automatic;
        request.DecidedBy = by;
        request.DecidedAt = now;
        request.GrantId = grant.Id;
        db.Publish(Notices.Of(request, SharingNoticeKinds.RequestDecided, request.RequesterDepartment,
            $"{Self} 批准了查阅申请，授权有效至 {Notices.Local(grant.ExpiresAt)}", grant.ExpiresAt, now) with { GrantId = grant.Id });
        db.Publish(new AccessDecided(request.Id, Self, request.RequesterDepartment, request.RecordId, SharingTerms.Approved, automatic, comment, by, now));
        db.Publish(new GrantIssued(grant.Id, request.Id, Self, request.RequesterDepartment, request.RecordId, grant.Fields, grant.Masks, grant.ExpiresAt, grant.Token, now));
        Track(request, TrackedStatus.Approved, automatic, now);
    }

    /// <summary>Announces the request's new state to every node's audit (traffic and KPIs); see <see cref="AccessRequestTracked"/>.</summary>
    internal static void Track(SharingDbContext db, AccessRequest request, string status, bool automatic, DateTimeOffset now) =>
        db.Publish(new AccessRequestTracked(request.Id, request.OwnerDepartment, request.RequesterDepartment, status, request.SubmittedAt,
            request.ReviewDeadline, automatic, now));

    private void Track(AccessRequest request, string status, bool automatic, DateTimeOffset now) => Track(db, request, status, automatic, now);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Review of access request {RequestId} from {Requester} is overdue")]
    private static partial void LogOverdue(ILogger logger, Guid requestId, string requester);

    private async Task<SharingDecision> EvaluateAsync(SharedRecord record, AccessRequest request, CancellationToken cancellationToken)
    {
        var rules = await db.Rules.AsNoTracking().ToListAsync(cancellationToken);
        return SharingDecision.Evaluate(record, rules, request.RequesterDepartment, request.Purpose, request.Fields, options.Value.DefaultGrantValidity);
    }
}

/// <summary>Builds the <see cref="SharingNotice"/>s the workflow and the sweeps publish.</summary>
internal static class Notices
{
    private static readonly TimeZoneInfo ChinaStandardTime = TimeZoneInfo.FindSystemTimeZoneById("Asia/Shanghai");

    public static SharingNotice Of(AccessRequest request, string kind, string to, string summary, DateTimeOffset? due, DateTimeOffset now) =>
        new(to, kind, request.Id, request.GrantId, request.RecordId, request.OwnerDepartment, request.RequesterDepartment, summary, due, now);

    public static SharingNotice Of(Grant grant, string kind, string to, string summary, DateTimeOffset now) =>
        new(to, kind, grant.RequestId, grant.Id, grant.RecordId, grant.OwnerDepartment, grant.RequesterDepartment, summary, grant.ExpiresAt, now);

    /// <summary>A time as people at a Chinese department read it (Beijing time).</summary>
    public static string Local(DateTimeOffset at) =>
        TimeZoneInfo.ConvertTime(at, ChinaStandardTime).ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture) + "（北京时间）";
}
