using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Consumers;

/// <summary>
/// Base of the federated view's consumers: events of other departments only, applied in batches; the records a
/// batch is about are loaded in one query, so each event finds its record (or the one an earlier event of the same
/// batch added) among the tracked entities.
/// </summary>
public abstract class FederatedViewConsumer<TMessage>(CatalogueDbContext db, IOptions<NodeOptions> node, SearchStatistics statistics)
    : IdempotentBatchConsumer<CatalogueDbContext, TMessage>(db)
    where TMessage : class
{
    protected abstract (Guid RecordId, string Department) About(TMessage message);

    protected override bool Concerns(TMessage message) => About(message).Department != node.Value.Id;

    protected override async Task HandleBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        var ids = messages.Select(m => About(m.Message).RecordId).Distinct().ToList();
        await Db.FederatedRecords.Where(r => ids.Contains(r.RecordId)).LoadAsync(cancellationToken);
        await base.HandleBatchAsync(messages, cancellationToken);

        // Records new to this node are written with one COPY in the batch's transaction (no INSERT per record reading
        // back its search vector); the base class saves what changed in the records that were already here.
        await Db.CopyAddedAsync<FederatedRecord>(cancellationToken);
        statistics.Changed("federated_records", messages.Count);
    }

    protected FederatedRecord? Tracked(Guid recordId) => Db.FederatedRecords.Local.FindEntry(recordId)?.Entity;

    /// <summary>Inserts or advances a peer's record; an older version arriving late changes nothing.</summary>
    protected void Upsert(Guid recordId, string department, int version, RecordMetadata metadata, IReadOnlyList<string>? fields,
        DateTimeOffset publishedAt, DateTimeOffset now)
    {
        var record = Tracked(recordId);
        if (record is null)
        {
            record = new FederatedRecord
            {
                RecordId = recordId,
                Department = department,
                Metadata = metadata,
                Title = metadata.Title,
                FondsCode = metadata.FondsCode,
                PublishedAt = publishedAt,
                ReceivedAt = now,
            };
            Db.FederatedRecords.Add(record);
        }
        else if (record.Version >= version)
        {
            return;
        }
        record.Apply(version, metadata, fields);
        record.PublishedAt = publishedAt;
        record.ReceivedAt = now;
    }
}

/// <summary>Adds a record another department published to this node's federated catalogue.</summary>
public sealed class PeerRecordPublishedConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock, SearchStatistics statistics)
    : FederatedViewConsumer<RecordPublished>(db, node, statistics)
{
    protected override (Guid RecordId, string Department) About(RecordPublished message) => (message.RecordId, message.Department);

    protected override Task HandleAsync(Delivered<RecordPublished> context, CancellationToken cancellationToken)
    {
        var m = context.Message;
        Upsert(m.RecordId, m.Department, m.Version, m.Metadata, m.Fields, m.OccurredAt, clock.GetUtcNow());
        return Task.CompletedTask;
    }
}

/// <summary>Keeps a peer's record current in the federated catalogue.</summary>
public sealed class PeerRecordUpdatedConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock, SearchStatistics statistics)
    : FederatedViewConsumer<RecordUpdated>(db, node, statistics)
{
    protected override (Guid RecordId, string Department) About(RecordUpdated message) => (message.RecordId, message.Department);

    protected override Task HandleAsync(Delivered<RecordUpdated> context, CancellationToken cancellationToken)
    {
        var m = context.Message;
        Upsert(m.RecordId, m.Department, m.Version, m.Metadata, m.Fields, m.OccurredAt, clock.GetUtcNow());
        return Task.CompletedTask;
    }
}

/// <summary>Hides a record its department withdrew, stopped sharing or no longer shows this department, and forgets what it said.</summary>
public sealed class PeerRecordWithdrawnConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, SearchStatistics statistics)
    : FederatedViewConsumer<RecordWithdrawn>(db, node, statistics)
{
    protected override (Guid RecordId, string Department) About(RecordWithdrawn message) => (message.RecordId, message.Department);

    protected override Task HandleAsync(Delivered<RecordWithdrawn> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var record = Tracked(message.RecordId);
        if (record is null)
        {
            // Events travel on separate queues, so after a backlog (this node was down) the withdrawal can arrive before
            // the publication. A hidden tombstone at the withdrawal's version makes the late publication change nothing.
            Db.FederatedRecords.Add(FederatedRecord.Tombstone(message.RecordId, message.Department, message.Version, message.OccurredAt));
        }
        else if (record.Version < message.Version)
        {
            record.Withdraw(message.Version);
        }
        return Task.CompletedTask;
    }
}
