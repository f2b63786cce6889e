using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>Learns this department's announced records and their sharing attribute, and where other departments' records live.</summary>
public sealed class OwnRecordPublishedConsumer(SharingDbContext db, IOptions<NodeOptions> node)
    : IdempotentConsumer<SharingDbContext, RecordPublished>(db)
{
    protected override Task HandleAsync(ConsumeContext<RecordPublished> context, CancellationToken cancellationToken) =>
        context.Message.Department != node.Value.Id
            ? SharedRecords.UpsertPeerAsync(Db, context.Message.RecordId, context.Message.Department, context.Message.Version, context.Message.Metadata, cancellationToken)
            : SharedRecords.UpsertAsync(Db, context.Message.RecordId, context.Message.Version, context.Message.Metadata, context.Message.OccurredAt, cancellationToken);
}

public sealed class OwnRecordUpdatedConsumer(SharingDbContext db, IOptions<NodeOptions> node)
    : IdempotentConsumer<SharingDbContext, RecordUpdated>(db)
{
    protected override Task HandleAsync(ConsumeContext<RecordUpdated> context, CancellationToken cancellationToken) =>
        context.Message.Department != node.Value.Id
            ? SharedRecords.UpsertPeerAsync(Db, context.Message.RecordId, context.Message.Department, context.Message.Version, context.Message.Metadata, cancellationToken)
            : SharedRecords.UpsertAsync(Db, context.Message.RecordId, context.Message.Version, context.Message.Metadata, context.Message.OccurredAt, cancellationToken);
}

public sealed class OwnRecordWithdrawnConsumer(SharingDbContext db, IOptions<NodeOptions> node)
    : IdempotentConsumer<SharingDbContext, RecordWithdrawn>(db)
{
    protected override async Task HandleAsync(ConsumeContext<RecordWithdrawn> context, CancellationToken cancellationToken)
    {
        if (context.Message.Department != node.Value.Id)
        {
            var peer = await Db.PeerRecords.SingleOrDefaultAsync(r => r.RecordId == context.Message.RecordId && r.Department == context.Message.Department, cancellationToken);
            if (peer is not null && peer.Version < context.Message.Version)
            {
                peer.Version = context.Message.Version;
                peer.Withdrawn = true;
            }
            return;
        }
        var record = await Db.Records.SingleOrDefaultAsync(r => r.RecordId == context.Message.RecordId, cancellationToken);
        if (record is not null && record.Version < context.Message.Version)
        {
            record.Version = context.Message.Version;
            record.Withdrawn = true;
            record.UpdatedAt = context.Message.OccurredAt;
        }
    }
}

internal static class SharedRecords
{
    /// <summary>Another department's record: remembered so a request for it can be routed to its owner.</summary>
    public static async Task UpsertPeerAsync(SharingDbContext db, Guid recordId, string department, int version, RecordMetadata metadata,
        CancellationToken cancellationToken)
    {
        var record = await db.PeerRecords.SingleOrDefaultAsync(r => r.RecordId == recordId, cancellationToken);
        if (record is not null && (record.Version >= version || record.Department != department))
        {
            return;
        }
        if (record is null)
        {
            record = new PeerRecord { RecordId = recordId, Department = department, Title = metadata.Title };
            db.PeerRecords.Add(record);
        }
        record.Title = metadata.Title;
        record.Version = version;
        record.Withdrawn = false;
    }

    public static async Task UpsertAsync(SharingDbContext db, Guid recordId, int version, RecordMetadata metadata, DateTimeOffset at,
        CancellationToken cancellationToken)
    {
        var record = await db.Records.SingleOrDefaultAsync(r => r.RecordId == recordId, cancellationToken);
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
            db.Records.Add(record);
        }
        record.Version = version;
        record.FondsCode = metadata.FondsCode;
        record.Category = metadata.Category;
        record.Classification = metadata.Classification;
        record.RetentionPeriod = metadata.RetentionPeriod;
        record.Sharing = metadata.Sharing;
        record.Withdrawn = false;
        record.UpdatedAt = at;
    }
}
