using System.Security.Cryptography;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Catalogue.Model;

public sealed class AnnouncementOptions
{
    public const string Section = "Announcements";

    /// <summary>Records announced per round: one question to the sharing service and one transaction each.</summary>
    public int BatchSize { get; set; } = 500;

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Wakes the announcer when records became due.</summary>
public sealed class AnnouncementSignal : WakeSignal;

/// <summary>
/// Announces this department's records to the others (docs/SHARING.md, "What a peer sees"). A record is due when it or
/// the rule over it changed; each round takes the due records (locked, so replicas share the work), asks the node's
/// sharing service for their catalogue views in one request, and writes in one transaction the announcements (one
/// broadcast for views every department may see, one directed batch per department a rule names), the withdrawals
/// from departments that may no longer see a record, and the record's new announced state. The whole record never
/// leaves the node: only the view does.
/// </summary>
public sealed partial class RecordAnnouncer(
    IServiceScopeFactory scopes,
    AnnouncementSignal signal,
    IOptions<AnnouncementOptions> options,
    IOptions<NodeOptions> node,
    TimeProvider clock,
    ILogger<RecordAnnouncer> logger) : BackgroundService
{
    /// <summary>Where a view every department may see goes.</summary>
    private const string Everyone = "*";

    private static readonly TimeSpan ViewsTimeout = TimeSpan.FromSeconds(20);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        while (!stoppingToken.IsCancellationRequested)
        {
            int announced;
            try
            {
                announced = await AnnounceDueAsync(stoppingToken);
                failures = 0;
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogAnnounceFailed(logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, failures))), clock, stoppingToken);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (announced < options.Value.BatchSize)
            {
                try
                {
                    await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }
    }

    /// <summary>One round; returns how many due records it took.</summary>
    internal async Task<int> AnnounceDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogueDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Only the columns a view and the announced state need (snake_case, as the naming convention maps DueRecord), read
        // and written with one statement each; the record's own row is read, never written (docs/PERFORMANCE.md). Only
        // the announcement rows are locked: a change to a record meanwhile marks it due again once this round commits.
        var records = await db.Database.SqlQuery<DueRecord>($"""
            SELECT r.id, r.external_id, r.fonds_code, r.archival_code, r.title,
                   r.creator, r.date, r.document_number, r.retention_period,
                   r.classification, r.category, r.keywords, r.description,
                   r.sharing, r.status, r.secrecy_review, a.announced_to,
                   a.revision AS announcement_revision, a.cause AS announcement_cause, a.announced_hash,
                   a.announced_rule
            FROM record_announcements a JOIN records r ON r.id = a.record_id
            WHERE a.due ORDER BY a.due_since LIMIT {options.Value.BatchSize} FOR UPDATE OF a SKIP LOCKED
            """).ToListAsync(cancellationToken);
        if (records.Count == 0)
        {
            return 0;
        }

        var views = await ViewsAsync(scope.ServiceProvider.GetRequiredService<IRequestClient<GetCatalogueViews>>(), records, cancellationToken);
        var plan = new AnnouncementPlan(node.Value.Id, clock.GetUtcNow());
        foreach (var record in records)
        {
            plan.Add(record, views.GetValueOrDefault(record.Id));
        }
        plan.PublishTo(db);
        await db.SaveChangesAsync(cancellationToken);
        await db.Database.ExecuteSqlAsync($"""
            UPDATE record_announcements a SET due = false, cause = NULL, revision = u.revision,
                announced_to = string_to_array(u.audience, ','), announced_rule = u.rule, announced_hash = u.hash
            FROM unnest({records.Select(r => r.Id).ToArray()}, {records.Select(r => r.AnnouncementRevision).ToArray()},
                        {records.Select(r => r.AnnouncedTo is null ? null : string.Join(',', r.AnnouncedTo)).ToArray()},
                        {records.Select(r => r.AnnouncedRule).ToArray()}, {records.Select(r => r.AnnouncedHash).ToArray()})
                 AS u(id, revision, audience, rule, hash)
            WHERE a.record_id = u.id
            """, cancellationToken);
        var rules = records.Select(r => r.AnnouncementCause).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        if (rules.Count > 0)
        {
            await Reannouncements.MarkFinishedAsync(db, rules, clock.GetUtcNow(), cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return records.Count;
    }

    /// <summary>What the announcer reads and writes of one due record.</summary>
    internal sealed class DueRecord
    {
        public Guid Id { get; set; }
        public string ExternalId { get; set; } = "";
        public string FondsCode { get; set; } = "";
        public string ArchivalCode { get; set; } = "";
        public string Title { get; set; } = "";
        public string Creator { get; set; } = "";
        public DateOnly Date { get; set; }
        public string? DocumentNumber { get; set; }
        public string RetentionPeriod { get; set; } = "";
        public string Classification { get; set; } = "";
        public string? Category { get; set; }
        public string[] Keywords { get; set; } = [];
        public string? Description { get; set; }
        public string Sharing { get; set; } = "";
        public string Status { get; set; } = "";
        public string? SecrecyReview { get; set; }
        public List<string>? AnnouncedTo { get; set; }
        public int AnnouncementRevision { get; set; }
        public string? AnnouncementCause { get; set; }
        public string? AnnouncedHash { get; set; }
        public string? AnnouncedRule { get; set; }

        /// <summary>As <see cref="ArchiveRecord.IsAnnounced"/>, and past the secrecy review if it needs one.</summary>
        public bool MayBeAnnounced => Status == nameof(RecordStatus.Active) && Sharing != SharingAttributes.None && SecrecyReviews.Passed(SecrecyReview);

        public RecordMetadata ToMetadata() => new(ExternalId, FondsCode, ArchivalCode, Title, Creator, Date, DocumentNumber,
            RetentionPeriod, Classification, Category, Keywords, Description, Sharing);
    }

    /// <summary>
    /// The policy's view of each record that may be announced at all; the others (withdrawn, <c>none</c>, waiting for or
    /// kept by the secrecy review) need no question and go to nobody.
    /// </summary>
    private static async Task<Dictionary<Guid, CatalogueView>> ViewsAsync(IRequestClient<GetCatalogueViews> sharing, List<DueRecord> records,
        CancellationToken cancellationToken)
    {
        var asked = records.Where(r => r.MayBeAnnounced).Select(r => new CatalogueViewQuery(r.Id, r.ToMetadata())).ToList();
        if (asked.Count == 0)
        {
            return [];
        }
        // Bounded whatever the broker does: a request sent while the broker went away was seen waiting for minutes after it
        // came back, past its own timeout and its cancellation, while this round held its records' rows. The round gives up
        // on it and the next one asks again.
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        bounded.CancelAfter(ViewsTimeout);
        var response = await sharing.GetResponse<CatalogueViews>(new GetCatalogueViews(asked), bounded.Token, RequestTimeout.After(s: (int)ViewsTimeout.TotalSeconds))
            .WaitAsync(ViewsTimeout + TimeSpan.FromSeconds(1), cancellationToken);
        return response.Message.Views.ToDictionary(v => v.RecordId);
    }

    /// <summary>The announcements one round sends, grouped by destination and kept in the order the records were taken.</summary>
    private sealed class AnnouncementPlan(string department, DateTimeOffset now)
    {
        private readonly List<RecordEventEntry> _everyone = [];
        private readonly SortedDictionary<string, List<RecordEventEntry>> _directed = new(StringComparer.Ordinal);

        public void Add(DueRecord record, CatalogueView? view)
        {
            var before = record.AnnouncedTo;
            var audience = view is null || view.AnnouncedToNobody || view.Metadata is null ? null : Audience(view);
            if (audience is null)
            {
                if (before is not null)
                {
                    Send(before, Withdrawal(record, ++record.AnnouncementRevision));
                }
                record.AnnouncedTo = null;
                record.AnnouncedRule = null;
                record.AnnouncedHash = null;
                return;
            }

            var hash = Hash(view!, audience);
            if (before is not null && before.SequenceEqual(audience) && hash == record.AnnouncedHash)
            {
                return;
            }
            // Departments that saw the record and may no longer: a withdrawal first, at a revision of its own, so a
            // department that is sent both (the withdrawal to every department, the view to a few) keeps the view.
            if (before is not null && Lost(before, audience))
            {
                Send(before.SequenceEqual([Everyone]) ? before : [.. before.Except(audience, StringComparer.Ordinal)],
                    Withdrawal(record, ++record.AnnouncementRevision));
            }
            var revision = ++record.AnnouncementRevision;
            var entry = before is null
                ? new RecordEventEntry(Guid.CreateVersion7(), Published: new RecordPublished(record.Id, department, revision, view!.Metadata!, now, view.Fields))
                : new RecordEventEntry(Guid.CreateVersion7(), Updated: new RecordUpdated(record.Id, department, revision, view!.Metadata!, now, view.Fields));
            Send(audience, entry);
            record.AnnouncedTo = audience;
            record.AnnouncedRule = view.Rule;
            record.AnnouncedHash = hash;
        }

        public void PublishTo(CatalogueDbContext db)
        {
            if (_everyone.Count > 0)
            {
                db.Publish(new RecordAnnouncementBatch(department, _everyone));
            }
            foreach (var (addressee, events) in _directed)
            {
                db.Publish(new DirectedRecordAnnouncementBatch(department, addressee, events));
            }
        }

        /// <summary>Every department, or the departments the view names besides this one; null when that leaves none.</summary>
        private List<string>? Audience(CatalogueView view)
        {
            if (view.Audience is null)
            {
                return [Everyone];
            }
            List<string> named = [.. view.Audience.Where(d => d != department).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)];
            return named.Count == 0 ? null : named;
        }

        private static bool Lost(List<string> before, List<string> after) =>
            !after.SequenceEqual([Everyone]) && (before.SequenceEqual([Everyone]) || before.Except(after, StringComparer.Ordinal).Any());

        private RecordEventEntry Withdrawal(DueRecord record, int revision) =>
            new(Guid.CreateVersion7(), Withdrawn: new RecordWithdrawn(record.Id, department, revision, now));

        private void Send(List<string> audience, RecordEventEntry entry)
        {
            if (audience.SequenceEqual([Everyone]))
            {
                _everyone.Add(entry);
                return;
            }
            foreach (var addressee in audience)
            {
                if (!_directed.TryGetValue(addressee, out var events))
                {
                    _directed[addressee] = events = [];
                }
                events.Add(entry);
            }
        }

        private static string Hash(CatalogueView view, List<string> audience) =>
            Convert.ToHexStringLower(SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(new { view.Metadata, view.Fields, audience }, JsonSerializerOptions.Web)));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Announcing records failed; will retry")]
    private static partial void LogAnnounceFailed(ILogger logger, Exception exception);
}
