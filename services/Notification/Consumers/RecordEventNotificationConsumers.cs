using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Consumers;

/// <summary>Queues one delivery per matching subscription for each event, once per message id.</summary>
public abstract class NotificationConsumer<TMessage>(NotificationDbContext db, TimeProvider clock) : IdempotentConsumer<NotificationDbContext, TMessage>(db)
    where TMessage : class
{
    protected abstract string EventType { get; }

    protected override async Task HandleAsync(ConsumeContext<TMessage> context, CancellationToken cancellationToken)
    {
        var subscriptions = await Db.Subscriptions.AsNoTracking().Where(s => s.EventTypes.Contains(EventType) || s.EventTypes.Contains("*"))
            .ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }
        var now = clock.GetUtcNow();
        var payload = JsonSerializer.Serialize(new { type = EventType, timestamp = now, data = context.Message }, JsonSerializerOptions.Web);
        foreach (var subscription in subscriptions)
        {
            Db.Deliveries.Add(new Delivery
            {
                Id = Guid.CreateVersion7(),
                SubscriptionId = subscription.Id,
                MessageId = context.MessageId!.Value,
                EventType = EventType,
                Payload = payload,
                Status = DeliveryStatus.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }
    }
}

public sealed class RecordPublishedNotificationConsumer(NotificationDbContext db, TimeProvider clock) : NotificationConsumer<RecordPublished>(db, clock)
{
    protected override string EventType => EventTypes.RecordPublished;
}

public sealed class RecordUpdatedNotificationConsumer(NotificationDbContext db, TimeProvider clock) : NotificationConsumer<RecordUpdated>(db, clock)
{
    protected override string EventType => EventTypes.RecordUpdated;
}

public sealed class RecordWithdrawnNotificationConsumer(NotificationDbContext db, TimeProvider clock) : NotificationConsumer<RecordWithdrawn>(db, clock)
{
    protected override string EventType => EventTypes.RecordWithdrawn;
}
