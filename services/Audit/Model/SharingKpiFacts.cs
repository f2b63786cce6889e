using Microsoft.EntityFrameworkCore;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model.CatalogueRules;
using Platform.Contracts;

namespace Platform.Audit.Model;

/// <summary>What the audit knows of one access request, from the owner's <see cref="AccessRequestTracked"/> announcements.</summary>
public sealed class TrackedRequest
{
    public Guid RequestId { get; set; }
    public required string OwnerDepartment { get; set; }
    public required string RequesterDepartment { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset? ReviewDeadline { get; set; }
    public DateTimeOffset? DecidedAt { get; set; }
    public string? Decision { get; set; }
    public bool Automatic { get; set; }
    public bool Overdue { get; set; }
}

/// <summary>A record some department published (latest version's sharing attribute and quality score).</summary>
public sealed class PublishedRecord
{
    public Guid RecordId { get; set; }
    public required string Department { get; set; }
    public required string Sharing { get; set; }
    public int QualityScore { get; set; }
    public int Version { get; set; }
    public DateTimeOffset FirstPublishedAt { get; set; }
    public DateTimeOffset? WithdrawnAt { get; set; }
}

/// <summary>
/// Keeps the facts the sharing KPIs are computed from. Every write is an idempotent upsert that tolerates messages arriving
/// out of order (a decision before its submission, an older version after a newer one).
/// </summary>
public sealed class SharingKpiFacts(AuditDbContext db)
{
    public Task TrackAsync(AccessRequestTracked message, CancellationToken cancellationToken)
    {
        DateTimeOffset? decidedAt = message.Status is TrackedStatus.Approved or TrackedStatus.Rejected ? message.OccurredAt : null;
        var decision = decidedAt is null ? null : message.Status;
        var overdue = message.Status == TrackedStatus.Overdue;
        return db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO tracked_requests AS t (request_id, owner_department, requester_department, submitted_at, review_deadline,
                                                decided_at, decision, automatic, overdue)
             VALUES ({message.RequestId}, {message.OwnerDepartment}, {message.RequesterDepartment}, {message.SubmittedAt},
                     {message.ReviewDeadline}, {decidedAt}, {decision}, {message.Automatic}, {overdue})
             ON CONFLICT (request_id) DO UPDATE SET
                 review_deadline = coalesce(EXCLUDED.review_deadline, t.review_deadline),
                 decided_at = coalesce(t.decided_at, EXCLUDED.decided_at),
                 decision = coalesce(t.decision, EXCLUDED.decision),
                 automatic = t.automatic OR EXCLUDED.automatic,
                 overdue = t.overdue OR EXCLUDED.overdue
             """, cancellationToken);
    }

    /// <summary>
    /// Upserts the records a batch of publications and updates is about, in one statement: per record, the latest version's
    /// attribute and score and the earliest publication time (a record appears once, as ON CONFLICT requires).
    /// </summary>
    public Task PublishedAsync(IReadOnlyCollection<(Guid RecordId, string Department, int Version, RecordMetadata Metadata, DateTimeOffset OccurredAt)> records,
        CancellationToken cancellationToken)
    {
        if (records.Count == 0) return Task.CompletedTask;
        var rows = records.GroupBy(r => r.RecordId).Select(g =>
        {
            var latest = g.MaxBy(r => r.Version);
            return (latest.RecordId, latest.Department, latest.Metadata.Sharing, Score: QualityScore.Of(latest.Metadata, DateOnly.FromDateTime(latest.OccurredAt.UtcDateTime)).Score,
                latest.Version, First: g.Min(r => r.OccurredAt));
        }).ToList();
        var ids = rows.Select(r => r.RecordId).ToArray();
        var departments = rows.Select(r => r.Department).ToArray();
        var sharing = rows.Select(r => r.Sharing).ToArray();
        var scores = rows.Select(r => r.Score).ToArray();
        var versions = rows.Select(r => r.Version).ToArray();
        var first = rows.Select(r => r.First).ToArray();
        return db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO published_records AS r (record_id, department, sharing, quality_score, version, first_published_at)
             SELECT * FROM unnest({ids}, {departments}, {sharing}, {scores}, {versions}, {first})
             ON CONFLICT (record_id) DO UPDATE SET
                 sharing = CASE WHEN EXCLUDED.version >= r.version THEN EXCLUDED.sharing ELSE r.sharing END,
                 quality_score = CASE WHEN EXCLUDED.version >= r.version THEN EXCLUDED.quality_score ELSE r.quality_score END,
                 version = greatest(r.version, EXCLUDED.version),
                 first_published_at = least(r.first_published_at, EXCLUDED.first_published_at)
             """, cancellationToken);
    }

    public Task WithdrawnAsync(IReadOnlyCollection<(Guid RecordId, DateTimeOffset OccurredAt)> withdrawals, CancellationToken cancellationToken)
    {
        if (withdrawals.Count == 0) return Task.CompletedTask;
        var rows = withdrawals.GroupBy(w => w.RecordId).Select(g => (RecordId: g.Key, At: g.Min(w => w.OccurredAt))).ToList();
        var ids = rows.Select(r => r.RecordId).ToArray();
        var times = rows.Select(r => r.At).ToArray();
        return db.Database.ExecuteSqlAsync(
            $"""
             UPDATE published_records AS r SET withdrawn_at = coalesce(r.withdrawn_at, w.at)
             FROM unnest({ids}, {times}) AS w(record_id, at) WHERE r.record_id = w.record_id
             """, cancellationToken);
    }
}
