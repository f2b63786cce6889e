using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults.Input;

namespace Platform.Catalogue.Apis;

/// <summary>What a departmental system sends for one record (documentation shape; the body is validated field by field).</summary>
public sealed record RecordInput(
    string ExternalId,
    string FondsCode,
    string ArchivalCode,
    string Title,
    string Creator,
    string Date,
    string? DocumentNumber,
    string RetentionPeriod,
    string Classification,
    string? Category,
    string[]? Keywords,
    string? Description,
    string? Sharing);

/// <summary>Result of one push: the record's id, its current version, what the push did (created, updated, unchanged) and its quality.</summary>
public sealed record PushResult(Guid Id, string ExternalId, int Version, string Outcome, QualityScore Quality)
{
    public static PushResult From(PushedRecord pushed) =>
        new(pushed.Id, pushed.ExternalId, pushed.Version, pushed.Outcome.ToString().ToLowerInvariant(), pushed.Quality);
}

/// <summary>What a batch push sends: up to the configured maximum (default 1,000) records.</summary>
public sealed record BatchInput(RecordInput[] Records);

/// <summary>
/// One item of a batch: <c>accepted</c> with the push result, or <c>rejected</c> with errors per field.
/// <c>index</c> is the item's position in the batch (0-based) or, for CSV, its line number.
/// </summary>
public sealed record BatchItemResult(int Index, string Status, string? ExternalId, PushResult? Record, Dictionary<string, string[]>? Errors);

/// <summary>The report of a batch: counts and one result per item, in order.</summary>
public sealed record BatchReport(int Accepted, int Rejected, IReadOnlyList<BatchItemResult> Results);

/// <summary>
/// A record as the API shows it: identity, state and its normalised metadata. Another department's record shows the
/// view its owner announced: <see cref="AnnouncedFields"/> are the fields it holds (the others are empty), and
/// <see cref="Version"/> counts the views announced.
/// </summary>
public sealed record RecordView(
    Guid Id,
    string Department,
    int Version,
    string Status,
    RecordMetadata Metadata,
    DateTimeOffset UpdatedAt,
    QualityScore? Quality,
    IReadOnlyList<string>? AnnouncedFields = null,
    AnnouncementState? Announcement = null)
{
    public static RecordView From(ArchiveRecord record) =>
        new(record.Id, record.Department, record.Version, record.Status.ToString().ToLowerInvariant(), record.ToMetadata(), record.UpdatedAt, record.Quality,
            Announcement: new AnnouncementState(record.Announcement?.AnnouncedTo, record.Announcement?.Revision ?? 0, record.Announcement?.Due ?? false,
                record.Announcement?.AnnouncedRule, record.SecrecyReview, record.ReviewedAt, record.ReviewReason));

    public static RecordView From(FederatedRecord record) =>
        new(record.RecordId, record.Department, record.Version, record.Withdrawn ? "withdrawn" : "active", record.Metadata, record.PublishedAt, null,
            record.Fields);

    public static RecordView From(ArchiveRecordVersion version, string department) =>
        new(version.RecordId, department, version.Version, version.Status.ToString().ToLowerInvariant(), version.Metadata, version.CreatedAt,
            new QualityScore(version.QualityScore, version.QualityIssues));
}

/// <summary>
/// How one of this department's records stands with other departments: where its view was announced (<c>["*"]</c>:
/// every department; null: nowhere), the view's revision, whether a new announcement is pending, the rule that decided
/// it, and the secrecy review (null when none was needed).
/// </summary>
public sealed record AnnouncementState(IReadOnlyList<string>? AnnouncedTo, int Revision, bool Pending, string? Rule, string? SecrecyReview,
    DateTimeOffset? ReviewedAt, string? ReviewReason);

/// <summary>Paging parameters shared by list endpoints.</summary>
public readonly record struct Paging(int? Page, int? PageSize)
{
    public int Number => Math.Max(1, Page ?? 1);
    public int Size => Math.Clamp(PageSize ?? 50, 1, 500);
    public int Skip => PageOffset.Of(Number, Size);
}

/// <summary>Search and filters of record lists: q is full-text (Chinese included); years are inclusive.</summary>
public readonly record struct RecordFilter(
    string? Q, string? Fonds, string? Category, int? Year, int? YearFrom, int? YearTo, string? Retention, string? Classification, bool? Facets)
{
    /// <summary>Years outside 1..9999 (dates cannot hold them), by parameter; null when every filter is usable.</summary>
    public Dictionary<string, string[]>? Errors()
    {
        var errors = new Dictionary<string, string[]>();
        foreach (var (name, year) in new[] { ("year", Year), ("yearFrom", YearFrom), ("yearTo", YearTo) })
        {
            if (year is < 1 or > 9999) errors[name] = ["A year from 1 to 9999."];
        }
        return errors.Count > 0 ? errors : null;
    }
}

/// <summary>
/// One page of records, with the total and, when asked for, facet counts over all matches. Matches are counted up
/// to <see cref="MatchCount.Limit"/>: past it <c>total</c> is that limit and <c>totalIsExact</c> is false (there are
/// more), so a broad query does not pay for counting every record it matches. Facets, when asked for, count all
/// (one grouped pass over the matches, <see cref="RecordSearch.PageAsync"/>).
/// </summary>
public sealed record RecordPage(IReadOnlyList<RecordView> Items, int Page, int PageSize, int Total, RecordFacets? Facets, bool TotalIsExact = true);

/// <summary>Counting matches of a list query, up to a limit (one bounded scan instead of visiting every match).</summary>
internal static class MatchCount
{
    public const int Limit = 1_000;

    /// <summary>The number of matches, at most <see cref="Limit"/>, and whether that is all of them.</summary>
    public static async Task<(int Total, bool IsExact)> UpToLimitAsync<T>(IQueryable<T> query, CancellationToken cancellationToken)
    {
        var counted = await query.Take(Limit + 1).CountAsync(cancellationToken);
        return (Math.Min(counted, Limit), counted <= Limit);
    }

    /// <summary>How many of the newest records (after the filters, before the text search) a newest-first page may be looked for in.</summary>
    public const int RecentWindow = 2_000;

    /// <summary>
    /// A page of the top-ranked matches (which all rank the same, so newest first) looked for among the
    /// <see cref="RecentWindow"/> newest filtered records: a walk of the newest-first index that stops there. When the
    /// window holds the whole page, it is the page (every top-ranked match newer than the page's last lies in the
    /// window too); otherwise null, and the caller asks the GIN index. A query that matches many records reaches its
    /// page this way after a few hundred rows, where PostgreSQL, which estimates the selectivity of a many-token text
    /// query far too low, would otherwise fetch every match from the GIN index and sort them. Pages past a tenth of the
    /// window are not looked for.
    /// </summary>
    public static async Task<List<T>?> NewestAmongRecentAsync<T>(IQueryable<T> filtered, Func<IQueryable<T>, IOrderedQueryable<T>> newestFirst,
        System.Linq.Expressions.Expression<Func<T, bool>> best, Paging paging, CancellationToken cancellationToken)
    {
        if (paging.Skip + paging.Size > RecentWindow / 10)
        {
            return null;
        }
        var page = await AmongRecent(filtered, newestFirst, best, paging).ToListAsync(cancellationToken);
        return page.Count == paging.Size ? page : null;
    }

    /// <summary>The query <see cref="NewestAmongRecentAsync"/> runs: a page of the matches among the newest filtered records.</summary>
    public static IQueryable<T> AmongRecent<T>(IQueryable<T> filtered, Func<IQueryable<T>, IOrderedQueryable<T>> newestFirst,
        System.Linq.Expressions.Expression<Func<T, bool>> best, Paging paging) =>
        newestFirst(newestFirst(filtered).Take(RecentWindow).Where(best)).Skip(paging.Skip).Take(paging.Size);

    /// <summary>Whether <paramref name="query"/> has at least <paramref name="count"/> matches (reads no more than that).</summary>
    public static async Task<bool> AtLeastAsync<T>(IQueryable<T> query, int count, CancellationToken cancellationToken) =>
        await query.Take(count).CountAsync(cancellationToken) >= count;
}

/// <summary>How many matching records have each value (of every match, not only this page).</summary>
public sealed record RecordFacets(
    Dictionary<string, int> Fonds,
    Dictionary<string, int> Category,
    Dictionary<string, int> Year,
    Dictionary<string, int>? RetentionPeriod,
    Dictionary<string, int>? Classification,
    Dictionary<string, int>? Department);
