using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Catalogue.Infrastructure;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Catalogue.Model;

public enum PushOutcome
{
    Created,
    Updated,
    Unchanged,
}

/// <summary>
/// Stores a pushed record idempotently by (department, externalId): new → version 1, identical → nothing,
/// changed → a new version. The record, its version row and the event announcing it commit together.
/// </summary>
public sealed class RecordIngestion(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock)
{
    private string Department => node.Value.Id;

    public async Task<(ArchiveRecord Record, PushOutcome Outcome)> PushAsync(RecordMetadata metadata, CancellationToken cancellationToken)
    {
        try
        {
            return await PushOnceAsync(metadata, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent push of the same externalId won the insert: ours becomes an update of it.
            db.ChangeTracker.Clear();
            return await PushOnceAsync(metadata, cancellationToken);
        }
    }

    private async Task<(ArchiveRecord, PushOutcome)> PushOnceAsync(RecordMetadata metadata, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var record = await db.Records.SingleOrDefaultAsync(r => r.Department == Department && r.ExternalId == metadata.ExternalId, cancellationToken);
        if (record is null)
        {
            record = ArchiveRecord.Create(Department, metadata, now);
            db.Records.Add(record);
            AddVersion(record, now);
            if (record.IsAnnounced)
            {
                db.Publish(new RecordPublished(record.Id, Department, record.Version, record.ToMetadata(), now));
            }
            await db.SaveChangesAsync(cancellationToken);
            return (record, PushOutcome.Created);
        }

        if (record.Status == RecordStatus.Active && SameContent(record.ToMetadata(), metadata))
        {
            return (record, PushOutcome.Unchanged);
        }

        var wasAnnounced = record.IsAnnounced;
        record.Apply(metadata, now);
        AddVersion(record, now);
        AnnounceChange(record, wasAnnounced, now);
        await db.SaveChangesAsync(cancellationToken);
        return (record, PushOutcome.Updated);
    }

    /// <summary>Withdraws a record (it stays in the history); returns null when this department has no such record.</summary>
    public async Task<ArchiveRecord?> WithdrawAsync(Guid id, CancellationToken cancellationToken)
    {
        var record = await db.Records.SingleOrDefaultAsync(r => r.Id == id && r.Department == Department, cancellationToken);
        if (record is null || record.Status == RecordStatus.Withdrawn)
        {
            return record;
        }
        var now = clock.GetUtcNow();
        var wasAnnounced = record.IsAnnounced;
        record.Status = RecordStatus.Withdrawn;
        record.Version++;
        record.UpdatedAt = now;
        AddVersion(record, now);
        AnnounceChange(record, wasAnnounced, now);
        await db.SaveChangesAsync(cancellationToken);
        return record;
    }

    private void AnnounceChange(ArchiveRecord record, bool wasAnnounced, DateTimeOffset now)
    {
        switch (wasAnnounced, record.IsAnnounced)
        {
            case (false, true):
                db.Publish(new RecordPublished(record.Id, Department, record.Version, record.ToMetadata(), now));
                break;
            case (true, true):
                db.Publish(new RecordUpdated(record.Id, Department, record.Version, record.ToMetadata(), now));
                break;
            case (true, false):
                db.Publish(new RecordWithdrawn(record.Id, Department, record.Version, now));
                break;
        }
    }

    private void AddVersion(ArchiveRecord record, DateTimeOffset now) =>
        db.RecordVersions.Add(new ArchiveRecordVersion
        {
            RecordId = record.Id,
            Version = record.Version,
            Metadata = record.ToMetadata(),
            Status = record.Status,
            CreatedAt = now,
        });

    // Records compare their keyword lists by reference; their JSON form compares by content.
    private static bool SameContent(RecordMetadata a, RecordMetadata b) =>
        JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web);
}
