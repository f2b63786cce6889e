using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Notification.Consumers;

/// <summary>
/// Turns one event into one delivery (webhook or e-mail) or inbox item per matching subscription, once per message id
/// (the inbox of <see cref="IdempotentConsumer{TContext, TMessage}"/> ignores redeliveries).
/// </summary>
public abstract class NotificationConsumer<TMessage>(NotificationDbContext db, TimeProvider clock) : IdempotentBatchConsumer<NotificationDbContext, TMessage>(db)
    where TMessage : class
{
    // One consumer instance handles one batch: the subscriptions are read once per batch and event type.
    private readonly Dictionary<string, List<Subscription>> _candidates = new(StringComparer.Ordinal);

    protected abstract EventFacts Describe(TMessage message);

    /// <summary>The other department's record an event is about, when it is one: what this node stored of it is replaced.</summary>
    protected virtual Guid? PeerRecordOf(TMessage message) => null;

    protected override async Task HandleBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        var superseded = messages.Select(m => PeerRecordOf(m.Message)).OfType<Guid>().Distinct().ToArray();
        if (superseded.Length > 0)
        {
            await StaleCopies.ReplaceAsync(Db, superseded, cancellationToken);
        }
        await base.HandleBatchAsync(messages, cancellationToken);
    }

    protected override async Task HandleAsync(Delivered<TMessage> context, CancellationToken cancellationToken)
    {
        var facts = Describe(context.Message);
        if (!_candidates.TryGetValue(facts.EventType, out var candidates))
        {
            candidates = await Db.Subscriptions.AsNoTracking().Where(s => s.EventTypes.Contains(facts.EventType) || s.EventTypes.Contains("*"))
                .ToListAsync(cancellationToken);
            _candidates[facts.EventType] = candidates;
        }
        Notifications.Add(Db, candidates, facts, context.MessageId!.Value, context.Message, clock.GetUtcNow(), PeerRecordOf(context.Message));
    }
}

/// <summary>
/// Another department announced a newer view of a record, or withdrew it from this department: the inbox items and
/// deliveries this node keeps of its earlier views keep only the record's id, so a value the owner now masks (or no
/// longer shows) is neither readable nor delivered here any more (docs/SHARING.md). A delivery already sent keeps its
/// status; its body is not kept.
/// </summary>
internal static class StaleCopies
{
    public static async Task ReplaceAsync(NotificationDbContext db, Guid[] recordIds, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"""
            UPDATE inbox_items SET payload = json_build_object('type', event_type, 'timestamp', created_at,
                    'data', json_build_object('recordId', record_id, 'superseded', true))::text,
                summary = '档案 ' || record_id || ' 已有新的公布内容或已撤回'
            WHERE record_id = ANY({recordIds})
            """, cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            UPDATE deliveries SET payload = json_build_object('type', event_type, 'timestamp', created_at,
                    'data', json_build_object('recordId', record_id, 'superseded', true))::text,
                summary = '档案 ' || record_id || ' 已有新的公布内容或已撤回'
            WHERE record_id = ANY({recordIds})
            """, cancellationToken);
    }
}

/// <summary>Turns one event into a delivery (webhook or e-mail) or inbox item for each subscription it matches.</summary>
internal static class Notifications
{
    public static void Add(NotificationDbContext db, IEnumerable<Subscription> candidates, EventFacts facts, Guid messageId, object data,
        DateTimeOffset now, Guid? recordId = null)
    {
        var subscriptions = candidates.Where(s => s.Matches(facts)).ToList();
        if (subscriptions.Count == 0)
        {
            return;
        }
        var payload = JsonSerializer.Serialize(new { type = facts.EventType, timestamp = now, data }, JsonSerializerOptions.Web);
        foreach (var subscription in subscriptions)
        {
            if (subscription.Channel == Channels.Inbox)
            {
                db.InboxItems.Add(new InboxItem
                {
                    Id = Guid.CreateVersion7(),
                    Department = subscription.Department,
                    SubscriptionId = subscription.Id,
                    MessageId = messageId,
                    EventType = facts.EventType,
                    Summary = facts.Summary,
                    RecordId = recordId,
                    Payload = payload,
                    CreatedAt = now,
                });
                continue;
            }
            db.HasNewDeliveries = true;
            db.Deliveries.Add(new Delivery
            {
                Id = Guid.CreateVersion7(),
                SubscriptionId = subscription.Id,
                MessageId = messageId,
                EventType = facts.EventType,
                RecordId = recordId,
                Payload = payload,
                Summary = facts.Summary,
                Status = DeliveryStatus.Pending,
                CreatedAt = now,
                NextAttemptAt = now,
            });
        }
    }
}

public sealed class RecordPublishedNotificationConsumer(NotificationDbContext db, TimeProvider clock, IOptions<NodeOptions> node)
    : NotificationConsumer<RecordPublished>(db, clock)
{
    protected override EventFacts Describe(RecordPublished message) => new(EventTypes.RecordPublished, message.Department,
        message.Metadata.FondsCode, message.Metadata.Category, $"{message.Department} 发布档案《{message.Metadata.Title}》（{message.Metadata.ArchivalCode}）");

    protected override Guid? PeerRecordOf(RecordPublished message) => message.Department == node.Value.Id ? null : message.RecordId;
}

public sealed class RecordUpdatedNotificationConsumer(NotificationDbContext db, TimeProvider clock, IOptions<NodeOptions> node)
    : NotificationConsumer<RecordUpdated>(db, clock)
{
    protected override EventFacts Describe(RecordUpdated message) => new(EventTypes.RecordUpdated, message.Department,
        message.Metadata.FondsCode, message.Metadata.Category,
        $"{message.Department} 更新档案《{message.Metadata.Title}》（{message.Metadata.ArchivalCode}，第 {message.Version} 版）");

    protected override Guid? PeerRecordOf(RecordUpdated message) => message.Department == node.Value.Id ? null : message.RecordId;
}

public sealed class RecordWithdrawnNotificationConsumer(NotificationDbContext db, TimeProvider clock, IOptions<NodeOptions> node)
    : NotificationConsumer<RecordWithdrawn>(db, clock)
{
    protected override EventFacts Describe(RecordWithdrawn message) =>
        new(EventTypes.RecordWithdrawn, message.Department, null, null, $"{message.Department} 撤回档案 {message.RecordId}");

    protected override Guid? PeerRecordOf(RecordWithdrawn message) => message.Department == node.Value.Id ? null : message.RecordId;
}
