using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Consumers;

/// <summary>Adds a record another department published to this node's federated catalogue.</summary>
public sealed class PeerRecordPublishedConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock)
    : IdempotentConsumer<CatalogueDbContext, RecordPublished>(db)
{
    protected override Task HandleAsync(ConsumeContext<RecordPublished> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        return message.Department == node.Value.Id
            ? Task.CompletedTask
            : FederatedView.UpsertAsync(Db, message.RecordId, message.Department, message.Version, message.Metadata, message.OccurredAt, clock, cancellationToken);
    }
}

/// <summary>Keeps a peer's record current in the federated catalogue.</summary>
public sealed class PeerRecordUpdatedConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock)
    : IdempotentConsumer<CatalogueDbContext, RecordUpdated>(db)
{
    protected override Task HandleAsync(ConsumeContext<RecordUpdated> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        return message.Department == node.Value.Id
            ? Task.CompletedTask
            : FederatedView.UpsertAsync(Db, message.RecordId, message.Department, message.Version, message.Metadata, message.OccurredAt, clock, cancellationToken);
    }
}

/// <summary>Hides a record its department withdrew (or stopped sharing).</summary>
public sealed class PeerRecordWithdrawnConsumer(CatalogueDbContext db, IOptions<NodeOptions> node)
    : IdempotentConsumer<CatalogueDbContext, RecordWithdrawn>(db)
{
    protected override async Task HandleAsync(ConsumeContext<RecordWithdrawn> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        if (message.Department == node.Value.Id)
        {
            return;
        }
        var record = await Db.FederatedRecords.SingleOrDefaultAsync(r => r.RecordId == message.RecordId, cancellationToken);
        if (record is null)
        {
            // Events travel on separate queues, so after a backlog (this node was down) the withdrawal can arrive before
            // the publication. A hidden tombstone at the withdrawal's version makes the late publication change nothing.
            Db.FederatedRecords.Add(FederatedRecord.Tombstone(message.RecordId, message.Department, message.Version, message.OccurredAt));
        }
        else if (record.Version < message.Version)
        {
            record.Version = message.Version;
            record.Withdrawn = true;
        }
    }
}

internal static class FederatedView
{
    /// <summary>Inserts or advances a peer's record; an older version arriving late changes nothing.</summary>
    public static async Task UpsertAsync(CatalogueDbContext db, Guid recordId, string department, int version, RecordMetadata metadata,
        DateTimeOffset publishedAt, TimeProvider clock, CancellationToken cancellationToken)
    {
        var record = await db.FederatedRecords.SingleOrDefaultAsync(r => r.RecordId == recordId, cancellationToken);
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
                ReceivedAt = clock.GetUtcNow(),
            };
            db.FederatedRecords.Add(record);
        }
        else if (record.Version >= version)
        {
            return;
        }
        record.Apply(version, metadata);
        record.PublishedAt = publishedAt;
        record.ReceivedAt = clock.GetUtcNow();
    }
}
