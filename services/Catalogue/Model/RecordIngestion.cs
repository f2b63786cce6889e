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

/// <summary>What one push did, as of that push (a later item of the same batch may change the record again).</summary>
public sealed record PushedRecord(Guid Id, string ExternalId, int Version, PushOutcome Outcome, QualityScore Quality)
{
    public static PushedRecord Of(ArchiveRecord record, PushOutcome outcome) =>
        new(record.Id, record.ExternalId, record.Version, outcome, record.Quality);
}

/// <summary>
/// Stores a pushed record idempotently by (department, externalId): new → version 1, identical → nothing,
/// changed → a new version. The record, its version row and the event announcing it commit together.
/// </summary>
public sealed class RecordIngestion(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock, SearchStatistics statistics)
{
    private string Department => node.Value.Id;

    public async Task<PushedRecord> PushAsync(RecordMetadata metadata, CancellationToken cancellationToken) =>
        (await PushManyAsync([metadata], cancellationToken))[0];

    /// <summary>
    /// Stores several records in one transaction, in order: a later item with the same externalId acts on the
    /// result of the earlier one, exactly as separate pushes would. One query loads the records that already
    /// exist; one SaveChanges writes everything, so the caller acknowledges only what has committed.
    /// </summary>
    public async Task<IReadOnlyList<PushedRecord>> PushManyAsync(
        IReadOnlyList<RecordMetadata> items, CancellationToken cancellationToken)
    {
        try
        {
            return await PushManyOnceAsync(items, cancellationToken);
        }
        catch (DbUpdateException ex) when (ex.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
        {
            // A concurrent push of one of these externalIds won the insert: ours becomes an update of it.
            db.ChangeTracker.Clear();
            return await PushManyOnceAsync(items, cancellationToken);
        }
    }

    private async Task<IReadOnlyList<PushedRecord>> PushManyOnceAsync(IReadOnlyList<RecordMetadata> items, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var externalIds = items.Select(m => m.ExternalId).Distinct(StringComparer.Ordinal).ToList();
        var records = await db.Records
            .Where(r => r.Department == Department && externalIds.Contains(r.ExternalId))
            .ToDictionaryAsync(r => r.ExternalId, StringComparer.Ordinal, cancellationToken);

        var results = new List<PushedRecord>(items.Count);
        foreach (var metadata in items)
        {
            if (!records.TryGetValue(metadata.ExternalId, out var record))
            {
                record = ArchiveRecord.Create(Department, metadata, now);
                records[metadata.ExternalId] = record;
                db.Records.Add(record);
                AddVersion(record, now);
                if (record.IsAnnounced)
                {
                    db.Publish(new RecordPublished(record.Id, Department, record.Version, record.ToMetadata(), now));
                }
                results.Add(PushedRecord.Of(record, PushOutcome.Created));
                continue;
            }

            if (record.Status == RecordStatus.Active && SameContent(record.ToMetadata(), metadata))
            {
                results.Add(PushedRecord.Of(record, PushOutcome.Unchanged));
                continue;
            }

            var wasAnnounced = record.IsAnnounced;
            record.Apply(metadata, now);
            AddVersion(record, now);
            AnnounceChange(record, wasAnnounced, now);
            results.Add(PushedRecord.Of(record, PushOutcome.Updated));
        }

        if (db.ChangeTracker.HasChanges())
        {
            await db.SaveChangesAsync(cancellationToken);
            statistics.Changed("records", results.Count(r => r.Outcome != PushOutcome.Unchanged));
        }
        return results;
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
        statistics.Changed("records", 1);
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
            QualityScore = record.QualityScore,
            QualityIssues = record.QualityIssues,
        });

    // Records compare their keyword lists by reference; their JSON form compares by content.
    private static bool SameContent(RecordMetadata a, RecordMetadata b) =>
        JsonSerializer.Serialize(a, JsonSerializerOptions.Web) == JsonSerializer.Serialize(b, JsonSerializerOptions.Web);
}
