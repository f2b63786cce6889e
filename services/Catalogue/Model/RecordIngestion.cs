using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Catalogue.Infrastructure;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

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
public sealed class RecordIngestion(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock, SearchStatistics statistics,
    AnnouncementSignal announcements, IOptions<SecrecyReviewOptions> secrecy)
{
    private string Department => node.Value.Id;

    public async Task<PushedRecord> PushAsync(RecordMetadata metadata, CancellationToken cancellationToken) =>
        (await PushManyAsync([metadata], cancellationToken))[0];

    /// <summary>
    /// Stores several records in one transaction, in order: a later item with the same externalId acts on the
    /// result of the earlier one, exactly as separate pushes would. One query loads the records that already
    /// exist; new records, every version row and every event are written with COPY and changed records are
    /// updated, all in one transaction, so the caller acknowledges only what has committed.
    /// </summary>
    public async Task<IReadOnlyList<PushedRecord>> PushManyAsync(
        IReadOnlyList<RecordMetadata> items, CancellationToken cancellationToken)
    {
        try
        {
            return await PushManyOnceAsync(items, cancellationToken);
        }
        catch (Exception ex) when (IsUniqueViolation(ex))
        {
            // A concurrent push of one of these externalIds won the insert: ours becomes an update of it.
            db.ChangeTracker.Clear();
            return await PushManyOnceAsync(items, cancellationToken);
        }
    }

    private static bool IsUniqueViolation(Exception ex) =>
        (ex as PostgresException ?? ex.InnerException as PostgresException) is { SqlState: PostgresErrorCodes.UniqueViolation };

    private async Task<IReadOnlyList<PushedRecord>> PushManyOnceAsync(IReadOnlyList<RecordMetadata> items, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var externalIds = items.Select(m => m.ExternalId).Distinct(StringComparer.Ordinal).ToList();
        var records = await db.Records.Include(r => r.Announcement)
            .Where(r => r.Department == Department && externalIds.Contains(r.ExternalId))
            .ToDictionaryAsync(r => r.ExternalId, StringComparer.Ordinal, cancellationToken);

        var created = new List<ArchiveRecord>();
        var versions = new List<ArchiveRecordVersion>();
        var events = new List<OutboxMessage>();
        var due = new HashSet<Guid>();
        var results = new List<PushedRecord>(items.Count);
        foreach (var metadata in items)
        {
            if (!records.TryGetValue(metadata.ExternalId, out var record))
            {
                record = ArchiveRecord.Create(Department, metadata, now);
                records[metadata.ExternalId] = record;
                created.Add(record);
                versions.Add(VersionOf(record, metadata, now));
                if (Announcement(record, wasAnnounced: false, metadata, now) is { } publication)
                {
                    events.Add(publication);
                    due.Add(record.Id);
                }
                results.Add(PushedRecord.Of(record, PushOutcome.Created));
                continue;
            }

            if (record.Status == RecordStatus.Active && SameContent(record, metadata))
            {
                results.Add(PushedRecord.Of(record, PushOutcome.Unchanged));
                continue;
            }

            var wasAnnounced = record.IsAnnounced;
            record.Apply(metadata, now);
            versions.Add(VersionOf(record, metadata, now));
            if (Announcement(record, wasAnnounced, metadata, now) is { } announcement)
            {
                events.Add(announcement);
                due.Add(record.Id);
            }
            results.Add(PushedRecord.Of(record, PushOutcome.Updated));
        }

        if (versions.Count > 0)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await db.CopyAsync(created, cancellationToken);
            // Every new or changed record has one version row: more rows than new records means some existing ones changed.
            if (versions.Count > created.Count)
            {
                await db.SaveChangesAsync(cancellationToken);
            }
            await db.CopyAsync(versions, cancellationToken);
            await db.PublishAllAsync(events, cancellationToken);
            await RecordAnnouncement.MarkDueAsync(db, due, now, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            statistics.Changed("records", versions.Count);
            if (events.Count > 0) announcements.Notify();
        }
        return results;
    }

    /// <summary>Withdraws a record (it stays in the history); returns null when this department has no such record.</summary>
    public async Task<ArchiveRecord?> WithdrawAsync(Guid id, CancellationToken cancellationToken)
    {
        var record = await db.Records.Include(r => r.Announcement).SingleOrDefaultAsync(r => r.Id == id && r.Department == Department, cancellationToken);
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
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        if (wasAnnounced)
        {
            db.Publish(new RecordWithdrawn(record.Id, Department, record.Version, now));
            await RecordAnnouncement.MarkDueAsync(db, [record.Id], now, cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        // What the caller shows: the mark was written by statement, not through the loaded row.
        if (wasAnnounced && record.Announcement is { } announcement) announcement.Due = true;
        statistics.Changed("records", 1);
        if (wasAnnounced) announcements.Notify();
        return record;
    }

    /// <summary>
    /// The node's own event for a pushed record (new, or changed), as an outbox row; the caller puts the record up for the
    /// announcer (which sends other departments only the view the policy allows). Null when nobody need know (it stays unshared).
    /// </summary>
    private OutboxMessage? Announcement(ArchiveRecord record, bool wasAnnounced, RecordMetadata metadata, DateTimeOffset now)
    {
        var row = (wasAnnounced, record.IsAnnounced) switch
        {
            (false, true) => OutboxBulkPublishing.Row(new RecordPublished(record.Id, Department, record.Version, metadata, now)),
            (true, true) => OutboxBulkPublishing.Row(new RecordUpdated(record.Id, Department, record.Version, metadata, now)),
            (true, false) => OutboxBulkPublishing.Row(new RecordWithdrawn(record.Id, Department, record.Version, now)),
            _ => null,
        };
        if (row is not null)
        {
            SecrecyReviews.RequestIfNeeded(record, secrecy.Value, now);
        }
        return row;
    }

    private void AddVersion(ArchiveRecord record, DateTimeOffset now) =>
        db.RecordVersions.Add(VersionOf(record, record.ToMetadata(), now));

    /// <summary>The version row of <paramref name="record"/>'s current state, whose metadata is <paramref name="metadata"/>.</summary>
    private static ArchiveRecordVersion VersionOf(ArchiveRecord record, RecordMetadata metadata, DateTimeOffset now) => new()
    {
        RecordId = record.Id,
        Version = record.Version,
        Metadata = metadata,
        Status = record.Status,
        CreatedAt = now,
        QualityScore = record.QualityScore,
        QualityIssues = record.QualityIssues,
    };

    // Records compare their keyword lists by reference: the lists are compared by content, every other field by value.
    private static bool SameContent(ArchiveRecord record, RecordMetadata metadata) =>
        record.ToMetadata() with { Keywords = metadata.Keywords } == metadata
        && record.Keywords.SequenceEqual(metadata.Keywords, StringComparer.Ordinal);
}
