using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Consumers;

/// <summary>
/// Reviews to do, deadlines near or passed, decisions and expiring grants, for this department's subscriptions
/// (the notice is routed to this node only). The department filter of a subscription matches the department on the
/// other side of the request.
/// </summary>
public sealed class SharingNoticeConsumer(NotificationDbContext db, TimeProvider clock) : IdempotentConsumer<NotificationDbContext, SharingNotice>(db)
{
    protected override async Task HandleAsync(ConsumeContext<SharingNotice> context, CancellationToken cancellationToken)
    {
        var notice = context.Message;
        var facts = new EventFacts(notice.Kind, notice.Counterpart, null, null, notice.Summary);
        var candidates = await Db.Subscriptions.AsNoTracking()
            .Where(s => s.Department == notice.Department && (s.EventTypes.Contains(notice.Kind) || s.EventTypes.Contains("*")))
            .ToListAsync(cancellationToken);
        Notifications.Add(Db, candidates, facts, context.MessageId!.Value, notice, clock.GetUtcNow());
    }
}
