using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// The review deadline as a scheduled check: pending reviews past their deadline are flagged overdue (once) and the
/// requester is told. A deadline column swept with FOR UPDATE SKIP LOCKED needs no broker scheduler, survives restarts,
/// and lets replicas share the work.
/// </summary>
internal sealed partial class ReviewDeadlineSweeper(IServiceScopeFactory scopes, IOptions<SharingOptions> options, TimeProvider clock,
    ILogger<ReviewDeadlineSweeper> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                while (await SweepAsync(stoppingToken) > 0)
                {
                }
                while (await RemindAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.Message);
            }
            try
            {
                await Task.Delay(options.Value.DeadlineSweepInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task<int> SweepAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = await db.Requests
            .FromSql($"SELECT *, xmin FROM access_requests WHERE status = 'pending-review' AND NOT overdue AND review_deadline < {now} ORDER BY review_deadline LIMIT 100 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var request in due)
        {
            if (request.Direction == AccessRequestStatus.Incoming)
            {
                // The owner tells both sides; the requester's own copy of the request is swept too, but says nothing.
                db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewOverdue, request.OwnerDepartment,
                    $"{request.RequesterDepartment} 的查阅申请已超过审核期限（{Notices.Local(request.ReviewDeadline!.Value)}），请尽快处理", request.ReviewDeadline, now));
                db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewOverdue, request.RequesterDepartment,
                    $"{request.OwnerDepartment} 未在期限（{Notices.Local(request.ReviewDeadline!.Value)}）内审核您的查阅申请，已标记为逾期", request.ReviewDeadline, now));
            }
            request.Overdue = true;
            request.Flag("overdue", now, $"review deadline {request.ReviewDeadline:u} passed");
            db.Publish(new AccessReviewOverdue(request.Id, request.OwnerDepartment, request.RequesterDepartment, request.ReviewDeadline!.Value, now));
            SharingWorkflow.Track(db, request, TrackedStatus.Overdue, automatic: false, now);
            LogOverdue(logger, request.Id, request.RequesterDepartment);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    /// <summary>
    /// Reminders, each sent once: to the owner's reviewers when a pending review's deadline is within
    /// <see cref="SharingOptions.ReviewReminderBefore"/>, and to the holder when an issued grant expires within
    /// <see cref="SharingOptions.GrantReminderBefore"/>. Returns how many were sent.
    /// </summary>
    internal async Task<int> RemindAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var reviewHorizon = now + options.Value.ReviewReminderBefore;
        var reviews = await db.Requests
            .FromSql($"SELECT *, xmin FROM access_requests WHERE direction = {AccessRequestStatus.Incoming} AND status = 'pending-review' AND NOT overdue AND reminder_sent_at IS NULL AND review_deadline < {reviewHorizon} ORDER BY review_deadline LIMIT 100 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var request in reviews)
        {
            request.ReminderSentAt = now;
            db.Publish(Notices.Of(request, SharingNoticeKinds.ReviewDeadlineApproaching, request.OwnerDepartment,
                $"{request.RequesterDepartment} 的查阅申请将于 {Notices.Local(request.ReviewDeadline!.Value)} 到期，请及时审核", request.ReviewDeadline, now));
        }

        var grantHorizon = now + options.Value.GrantReminderBefore;
        var grants = await db.Grants
            .FromSql($"SELECT * FROM grants WHERE direction = {Grant.Issued} AND revoked_at IS NULL AND expiry_reminder_sent_at IS NULL AND expires_at > {now} AND expires_at < {grantHorizon} ORDER BY expires_at LIMIT 100 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        foreach (var grant in grants)
        {
            grant.ExpiryReminderSentAt = now;
            db.Publish(Notices.Of(grant, SharingNoticeKinds.GrantExpiring, grant.RequesterDepartment,
                $"{grant.OwnerDepartment} 授予的档案查阅授权将于 {Notices.Local(grant.ExpiresAt)} 到期", now));
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return reviews.Count + grants.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Review of access request {RequestId} from {Requester} is overdue")]
    private static partial void LogOverdue(ILogger logger, Guid requestId, string requester);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Review deadline sweep failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
