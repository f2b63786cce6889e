using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// Tells a grant's holder, once, that the grant expires within <see cref="SharingOptions.GrantReminderBefore"/>.
/// Grants are swept (FOR UPDATE SKIP LOCKED, so replicas share the work) every
/// <see cref="SharingOptions.DeadlineSweepInterval"/>; review deadlines are the access-request saga's scheduled timeouts.
/// </summary>
internal sealed partial class GrantExpiryReminder(IServiceScopeFactory scopes, IOptions<SharingOptions> options, TimeProvider clock,
    ILogger<GrantExpiryReminder> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
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

    /// <summary>Returns how many reminders were sent.</summary>
    internal async Task<int> RemindAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
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
        return grants.Count;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Grant expiry reminder sweep failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
