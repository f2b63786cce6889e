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
/// Base of the consumers that follow record events, in batches: this department's records with their sharing
/// attribute, and other departments' records so that a request for one can be routed to its owner. The records a
/// batch is about are loaded in one query per table and then found among the tracked entities.
/// </summary>
public abstract class RecordEventConsumer<TMessage>(SharingDbContext db, IOptions<NodeOptions> node)
    : IdempotentBatchConsumer<SharingDbContext, TMessage>(db)
    where TMessage : class
{
    protected abstract Guid RecordIdOf(TMessage message);

    protected abstract string DepartmentOf(TMessage message);

    protected bool IsOwn(string department) => department == node.Value.Id;

    protected override async Task HandleBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        // This department's events are about its own records, other departments' about peer records: each table is read
        // only for the ids that can be in it (a run of events comes from one department, so usually one table is read).
        var own = messages.Where(m => IsOwn(DepartmentOf(m.Message))).Select(m => RecordIdOf(m.Message)).Distinct().ToArray();
        var peers = messages.Where(m => !IsOwn(DepartmentOf(m.Message))).Select(m => RecordIdOf(m.Message)).Distinct().ToArray();
        // One primary-key lookup per id, whatever the table's statistics say: `record_id = ANY(ids)` was planned as a
        // sequential scan while a table filled faster than autovacuum analysed it (2.3 ms instead of 0.3 ms a run of 100 at
        // 25,000 rows, and growing with the table; 11% of the database's CPU in the events benchmark).
        if (own.Length > 0)
        {
            await Db.Records.FromSql($"SELECT r.* FROM unnest({own}) AS k(id) CROSS JOIN LATERAL (SELECT * FROM shared_records WHERE record_id = k.id OFFSET 0) r")
                .LoadAsync(cancellationToken);
        }
        if (peers.Length > 0)
        {
            await Db.PeerRecords.FromSql($"SELECT r.* FROM unnest({peers}) AS k(id) CROSS JOIN LATERAL (SELECT * FROM peer_records WHERE record_id = k.id OFFSET 0) r")
                .LoadAsync(cancellationToken);
        }
        await base.HandleBatchAsync(messages, cancellationToken);
        await AfterBatchAsync(messages, cancellationToken);
        // Records new to this node are written with one COPY per table in the batch's transaction (one INSERT per
        // record before); the base class saves what changed in the records that were already here.
        await Db.CopyAddedAsync<SharedRecord>(cancellationToken);
        await Db.CopyAddedAsync<PeerRecord>(cancellationToken);
    }

    /// <summary>Further work on the batch once every record is tracked at its new version, in the same transaction.</summary>
    protected virtual Task AfterBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Another department's record: remembered so a request for it can be routed to its owner.</summary>
    protected void UpsertPeer(Guid recordId, string department, int version, RecordMetadata metadata)
    {
        var record = Db.PeerRecords.Local.FindEntry(recordId)?.Entity;
        if (record is not null && (record.Version >= version || record.Department != department))
        {
            return;
        }
        if (record is null)
        {
            record = new PeerRecord { RecordId = recordId, Department = department, Title = metadata.Title };
            Db.PeerRecords.Add(record);
        }
        record.Title = metadata.Title;
        record.Version = version;
        record.Withdrawn = false;
    }

    protected void UpsertOwn(Guid recordId, int version, RecordMetadata metadata, DateTimeOffset at)
    {
        var record = Db.Records.Local.FindEntry(recordId)?.Entity;
        if (record is not null && record.Version >= version)
        {
            return;
        }
        if (record is null)
        {
            record = new SharedRecord
            {
                RecordId = recordId, FondsCode = metadata.FondsCode, Classification = metadata.Classification,
                RetentionPeriod = metadata.RetentionPeriod, Sharing = metadata.Sharing,
            };
            Db.Records.Add(record);
        }
        record.Version = version;
        record.FondsCode = metadata.FondsCode;
        record.Category = metadata.Category;
        record.Year = metadata.Date.Year;
        record.Classification = metadata.Classification;
        record.RetentionPeriod = metadata.RetentionPeriod;
        record.Sharing = metadata.Sharing;
        record.Withdrawn = false;
        record.UpdatedAt = at;
    }

    protected void Upsert(Guid recordId, string department, int version, RecordMetadata metadata, DateTimeOffset at)
    {
        if (IsOwn(department))
        {
            UpsertOwn(recordId, version, metadata, at);
        }
        else
        {
            UpsertPeer(recordId, department, version, metadata);
        }
    }
}

/// <summary>
/// Learns this department's announced records and their sharing attribute, and where other departments' records live;
/// offers this department's new records to the subscriptions they match.
/// </summary>
public sealed class OwnRecordPublishedConsumer(SharingDbContext db, IOptions<NodeOptions> node, SubscriptionOffers offers)
    : RecordEventConsumer<RecordPublished>(db, node)
{
    protected override Guid RecordIdOf(RecordPublished message) => message.RecordId;

    protected override string DepartmentOf(RecordPublished message) => message.Department;

    protected override Task AfterBatchAsync(IReadOnlyList<Delivered<RecordPublished>> messages, CancellationToken cancellationToken) =>
        offers.OfferAsync([.. messages.Select(m => m.Message).Where(m => IsOwn(m.Department))
            .Select(m => (m.RecordId, m.Department, m.Version, m.Metadata.Title))], cancellationToken);

    protected override Task HandleAsync(Delivered<RecordPublished> context, CancellationToken cancellationToken)
    {
        var m = context.Message;
        Upsert(m.RecordId, m.Department, m.Version, m.Metadata, m.OccurredAt);
        return Task.CompletedTask;
    }
}

/// <summary>Keeps this department's records and peers' record locations current; offers updated records to subscriptions.</summary>
public sealed class OwnRecordUpdatedConsumer(SharingDbContext db, IOptions<NodeOptions> node, SubscriptionOffers offers)
    : RecordEventConsumer<RecordUpdated>(db, node)
{
    protected override Guid RecordIdOf(RecordUpdated message) => message.RecordId;

    protected override string DepartmentOf(RecordUpdated message) => message.Department;

    protected override Task AfterBatchAsync(IReadOnlyList<Delivered<RecordUpdated>> messages, CancellationToken cancellationToken) =>
        offers.OfferAsync([.. messages.Select(m => m.Message).Where(m => IsOwn(m.Department))
            .Select(m => (m.RecordId, m.Department, m.Version, m.Metadata.Title))], cancellationToken);

    protected override Task HandleAsync(Delivered<RecordUpdated> context, CancellationToken cancellationToken)
    {
        var m = context.Message;
        Upsert(m.RecordId, m.Department, m.Version, m.Metadata, m.OccurredAt);
        return Task.CompletedTask;
    }
}

public sealed class OwnRecordWithdrawnConsumer(SharingDbContext db, IOptions<NodeOptions> node) : RecordEventConsumer<RecordWithdrawn>(db, node)
{
    protected override Guid RecordIdOf(RecordWithdrawn message) => message.RecordId;

    protected override string DepartmentOf(RecordWithdrawn message) => message.Department;

    protected override Task HandleAsync(Delivered<RecordWithdrawn> context, CancellationToken cancellationToken)
    {
        var m = context.Message;
        if (!IsOwn(m.Department))
        {
            var peer = Db.PeerRecords.Local.FindEntry(m.RecordId)?.Entity;
            if (peer is not null && peer.Department == m.Department && peer.Version < m.Version)
            {
                peer.Version = m.Version;
                peer.Withdrawn = true;
                // Withdrawn, or no longer shown to this department: nothing of what it announced is kept.
                peer.Title = "";
            }
            return Task.CompletedTask;
        }
        var record = Db.Records.Local.FindEntry(m.RecordId)?.Entity;
        if (record is not null && record.Version < m.Version)
        {
            record.Version = m.Version;
            record.Withdrawn = true;
            record.UpdatedAt = m.OccurredAt;
        }
        return Task.CompletedTask;
    }
}
