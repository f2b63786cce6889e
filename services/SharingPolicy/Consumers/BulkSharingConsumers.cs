using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>
/// Owner side: a bulk request is recorded and its selection listed against this department's announced records, once
/// per bulk request id. A selection broader than <see cref="SharingOptions.BulkMaxRecords"/> is refused as a whole.
/// </summary>
public sealed class SubmitBulkAccessRequestConsumer(SharingDbContext db, IOptions<NodeOptions> node, IOptions<SharingOptions> options, TimeProvider clock)
    : IdempotentConsumer<SharingDbContext, SubmitBulkAccessRequest>(db)
{
    protected override async Task HandleAsync(ConsumeContext<SubmitBulkAccessRequest> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        if (message.OwnerDepartment != node.Value.Id || await Db.BulkRequests.AnyAsync(b => b.Id == message.BulkRequestId, cancellationToken))
        {
            return;
        }
        var now = clock.GetUtcNow();
        var bulk = new BulkAccessRequest
        {
            RequesterDepartment = message.RequesterDepartment,
            Status = BulkRequestStatus.Accepted,
            SubmittedAt = message.SubmittedAt,
            UpdatedAt = now,
        };
        bulk.Ask(message.BulkRequestId, AccessRequestStatus.Incoming, message.OwnerDepartment, message.Selection, message.Purpose, message.Fields, message.RequestedBy);
        Db.BulkRequests.Add(bulk);

        var matching = Db.Records.AsNoTracking().Matching(message.Selection);
        bulk.Matched = await matching.CountAsync(cancellationToken);
        var max = options.Value.BulkMaxRecords;
        List<BulkAccessRequestItem> items = [];
        if (bulk.Matched > max)
        {
            bulk.Status = BulkRequestStatus.Rejected;
            bulk.Reason = $"{bulk.Matched} records match the selection; one bulk request may cover at most {max}. Narrow it (by category or year).";
        }
        else
        {
            var ids = await matching.OrderBy(r => r.RecordId).Select(r => r.RecordId).ToListAsync(cancellationToken);
            items = [.. ids.Select(id => new BulkAccessRequestItem(Guid.CreateVersion7(), id))];
            Db.BulkRequestItems.AddRange(items.Select(i => new BulkRequestItem { BulkRequestId = bulk.Id, RequestId = i.RequestId, RecordId = i.RecordId }));
            bulk.Reason = items.Count == 0 ? "No announced record of this department matches the selection." : null;
        }
        Db.Publish(new BulkAccessRequestExpanded(bulk.Id, bulk.OwnerDepartment, bulk.RequesterDepartment, bulk.Matched, items, bulk.Status == BulkRequestStatus.Rejected ? bulk.Reason : null, now));
    }
}

/// <summary>
/// Requester side: the owner listed the records of a bulk request; each is requested as an ordinary per-record request
/// (so the owner's policy decides it and its replies update it), or the refusal is recorded.
/// </summary>
public sealed class BulkAccessRequestExpandedConsumer(SharingDbContext db, TimeProvider clock) : IdempotentConsumer<SharingDbContext, BulkAccessRequestExpanded>(db)
{
    protected override async Task HandleAsync(ConsumeContext<BulkAccessRequestExpanded> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var bulk = await Db.BulkRequests.SingleOrDefaultAsync(
            b => b.Id == message.BulkRequestId && b.Direction == AccessRequestStatus.Outgoing && b.OwnerDepartment == message.OwnerDepartment, cancellationToken);
        if (bulk is null || bulk.Status != BulkRequestStatus.Submitted)
        {
            return;
        }
        var now = clock.GetUtcNow();
        bulk.Matched = message.Matched;
        bulk.UpdatedAt = now;
        if (message.Refusal is not null)
        {
            bulk.Status = BulkRequestStatus.Rejected;
            bulk.Reason = message.Refusal;
            return;
        }
        bulk.Status = BulkRequestStatus.Accepted;
        bulk.Reason = message.Items.Count == 0 ? "No announced record of the owner matches the selection." : null;
        var recordIds = message.Items.Select(i => i.RecordId).ToList();
        var titles = await Db.PeerRecords.AsNoTracking().Where(r => recordIds.Contains(r.RecordId)).ToDictionaryAsync(r => r.RecordId, r => r.Title, cancellationToken);
        foreach (var item in message.Items)
        {
            AccessRequestSubmission.Send(Db, item.RequestId, bulk.OwnerDepartment, bulk.RequesterDepartment, item.RecordId, titles.GetValueOrDefault(item.RecordId),
                bulk.Purpose, bulk.Fields, bulk.RequestedBy, $"part of bulk request {bulk.Id}, sent to {bulk.OwnerDepartment}", now);
            Db.BulkRequestItems.Add(new BulkRequestItem { BulkRequestId = bulk.Id, RequestId = item.RequestId, RecordId = item.RecordId });
        }
    }
}

/// <summary>Owner side: another department subscribes to a selection of this department's records.</summary>
public sealed class SubscribeToRecordsConsumer(SharingDbContext db, IOptions<NodeOptions> node) : IdempotentConsumer<SharingDbContext, SubscribeToRecords>(db)
{
    protected override async Task HandleAsync(ConsumeContext<SubscribeToRecords> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        if (message.OwnerDepartment != node.Value.Id || await Db.Subscriptions.AnyAsync(s => s.Id == message.SubscriptionId, cancellationToken))
        {
            return;
        }
        var subscription = new RecordSubscription
        {
            SubscriberDepartment = message.SubscriberDepartment,
            Status = RecordSubscription.Active,
            CreatedAt = message.OccurredAt,
        };
        subscription.Ask(message.SubscriptionId, AccessRequestStatus.Incoming, message.OwnerDepartment, message.Selection, message.Purpose,
            message.Fields, message.RequestedBy);
        Db.Subscriptions.Add(subscription);
    }
}

/// <summary>Owner side: the subscriber cancelled; only the subscriber's own cancellation counts.</summary>
public sealed class CancelRecordSubscriptionConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, CancelRecordSubscription>(db)
{
    protected override async Task HandleAsync(ConsumeContext<CancelRecordSubscription> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var subscription = await Db.Subscriptions.SingleOrDefaultAsync(s => s.Id == message.SubscriptionId && s.Direction == AccessRequestStatus.Incoming
            && s.SubscriberDepartment == message.SubscriberDepartment, cancellationToken);
        if (subscription is null || subscription.Status == RecordSubscription.Cancelled)
        {
            return;
        }
        subscription.Status = RecordSubscription.Cancelled;
        subscription.CancelledAt = message.OccurredAt;
        subscription.CancelledBy = message.CancelledBy;
    }
}

/// <summary>
/// Owner side: records of this department were published or updated; every active subscription one matches, and whose
/// subscriber this department's policy shares it with unconditionally, is offered it (once per subscription and record).
/// Conditional and not-shared records are never offered. Runs in the transaction of the consumer that records the
/// events (<see cref="RecordEventConsumer{TMessage}"/>), after it has, so each record is tracked at its new version.
/// </summary>
public sealed class SubscriptionOffers(SharingDbContext db, IOptions<SharingOptions> options, TimeProvider clock)
{
    public async Task OfferAsync(IReadOnlyList<(Guid RecordId, string Department, int Version, string Title)> described, CancellationToken cancellationToken)
    {
        if (described.Count == 0)
        {
            return;
        }
        var subscriptions = await db.Subscriptions.AsNoTracking()
            .Where(s => s.Direction == AccessRequestStatus.Incoming && s.Status == RecordSubscription.Active).ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return;
        }
        var ids = described.Select(d => d.RecordId).Distinct().ToList();
        var rules = await db.Rules.AsNoTracking().ToListAsync(cancellationToken);
        var offered = (await db.SubscriptionDeliveries.AsNoTracking().Where(d => ids.Contains(d.RecordId)).Select(d => new { d.SubscriptionId, d.RecordId })
            .ToListAsync(cancellationToken)).Select(d => (d.SubscriptionId, d.RecordId)).ToHashSet();
        var now = clock.GetUtcNow();
        foreach (var (recordId, department, version, title) in described)
        {
            if (db.Records.Local.FindEntry(recordId)?.Entity is not { Withdrawn: false } record)
            {
                continue;
            }
            foreach (var subscription in subscriptions.Where(s => s.Selection.Matches(record) && !offered.Contains((s.Id, recordId))))
            {
                var decision = SharingDecision.Evaluate(record, rules, subscription.SubscriberDepartment, subscription.Purpose, subscription.Fields, options.Value.DefaultGrantValidity);
                if (decision.Refusal is not null || decision.Sharing != SharingTerms.Unconditional)
                {
                    // Not offered now; a later update that makes it unconditional for the subscriber offers it then.
                    continue;
                }
                offered.Add((subscription.Id, recordId));
                var requestId = Guid.CreateVersion7();
                db.SubscriptionDeliveries.Add(new SubscriptionDelivery { SubscriptionId = subscription.Id, RecordId = recordId, RequestId = requestId, Version = version, OfferedAt = now });
                db.Publish(new SubscribedRecordAvailable(subscription.Id, requestId, department, subscription.SubscriberDepartment, recordId, title, version, now));
            }
        }
    }
}

/// <summary>
/// Subscriber side: the owner offers a newly published record of an active subscription; it is requested at once under
/// the offered request id (the owner grants it by policy). Offers for a cancelled subscription are ignored.
/// </summary>
public sealed class SubscribedRecordAvailableConsumer(SharingDbContext db, TimeProvider clock) : IdempotentConsumer<SharingDbContext, SubscribedRecordAvailable>(db)
{
    protected override async Task HandleAsync(ConsumeContext<SubscribedRecordAvailable> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var subscription = await Db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == message.SubscriptionId
            && s.Direction == AccessRequestStatus.Outgoing && s.OwnerDepartment == message.OwnerDepartment, cancellationToken);
        if (subscription is null || subscription.Status != RecordSubscription.Active
            || await Db.SubscriptionDeliveries.AnyAsync(d => d.SubscriptionId == subscription.Id && d.RecordId == message.RecordId, cancellationToken))
        {
            return;
        }
        var now = clock.GetUtcNow();
        AccessRequestSubmission.Send(Db, message.RequestId, subscription.OwnerDepartment, subscription.SubscriberDepartment, message.RecordId, message.Title,
            subscription.Purpose, subscription.Fields, subscription.RequestedBy, $"subscription {subscription.Id}: newly published by {subscription.OwnerDepartment}", now);
        Db.SubscriptionDeliveries.Add(new SubscriptionDelivery
        {
            SubscriptionId = subscription.Id, RecordId = message.RecordId, RequestId = message.RequestId, Version = message.Version, OfferedAt = now,
        });
    }
}
