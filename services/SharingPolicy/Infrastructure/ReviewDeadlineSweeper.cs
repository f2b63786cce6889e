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

    [LoggerMessage(Level = LogLevel.Warning, Message = "Review of access request {RequestId} from {Requester} is overdue")]
    private static partial void LogOverdue(ILogger logger, Guid requestId, string requester);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Review deadline sweep failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
