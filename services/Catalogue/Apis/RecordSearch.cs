using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;

namespace Platform.Catalogue.Apis;

/// <summary>One searched table: its name (for <see cref="CommonLexemes"/>) and its newest-first order (the order of plain lists and of ties).</summary>
internal sealed record SearchedTable<T>(string Name, Expression<Func<T, DateTimeOffset>> Newest, Expression<Func<T, Guid>> Id)
{
    public IOrderedQueryable<T> NewestFirst(IQueryable<T> query) => query.OrderByDescending(Newest).ThenBy(Id);
}

/// <summary>
/// The search both record lists share (own records and the federated catalogue): fonds and category filters, the
/// full-text condition, the count up to <see cref="MatchCount.Limit"/>, the page (newest first, or ranked when it lies
/// past the top-ranked matches) and facets.
/// </summary>
internal static class RecordSearch
{
    /// <summary>The filters every record list has: fonds and category.</summary>
    public static IQueryable<T> WhereFondsAndCategory<T>(this IQueryable<T> query, RecordFilter filter) where T : class, ISearchedRecord
    {
        if (!string.IsNullOrWhiteSpace(filter.Fonds)) query = query.Where(r => r.FondsCode == filter.Fonds);
        if (!string.IsNullOrWhiteSpace(filter.Category)) query = query.Where(r => r.Category == filter.Category);
        return query;
    }

    /// <summary>
    /// One page of <paramref name="filtered"/> (the list's filters applied) searched for <c>filter.Q</c>, with the total
    /// and, when asked for, <paramref name="facets"/> of every match.
    /// </summary>
    public static async Task<RecordPage> PageAsync<T>(
        IQueryable<T> filtered, SearchedTable<T> table, RecordFilter filter, Paging paging, CatalogueDbContext db, CommonLexemes commonLexemes,
        Func<IQueryable<T>, CancellationToken, Task<RecordFacets>> facets, Func<T, RecordView> view, CancellationToken cancellationToken)
        where T : class, ISearchedRecord
    {
        var query = filtered;
        var search = string.IsNullOrWhiteSpace(filter.Q) ? null : SearchText.Query(filter.Q);
        if (search is { } s)
        {
            // The GIN index is asked for the tokens that narrow the search; the rows it returns are tested against all of it.
            query = SearchText.Selective(s, await commonLexemes.OfAsync(db, table.Name, cancellationToken)) is { } selective
                ? query.Where(r => r.SearchVector!.Matches(selective) && SearchFunctions.MatchesWithoutIndex(r.SearchVector, s.Match))
                : query.Where(r => r.SearchVector!.Matches(s.Match));
        }
        else if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            query = query.Where(r => false);
        }

        var (total, totalIsExact) = await MatchCount.UpToLimitAsync(query, cancellationToken);
        List<T>? items = null;
        IOrderedQueryable<T> ordered;
        if (search is not { } ranked)
        {
            ordered = table.NewestFirst(query);
        }
        else
        {
            var best = query.Where(r => r.SearchVector!.Matches(ranked.Best));
            if (!totalIsExact)
            {
                // Too many matches to count: the page is most likely the newest of many top-ranked ones (they all rank the same).
                items = await MatchCount.NewestAmongRecentAsync(filtered, table.NewestFirst, r => r.SearchVector!.Matches(ranked.Best), paging, cancellationToken);
            }
            if (items is not null || !ranked.HasBigrams || await MatchCount.AtLeastAsync(best, paging.Skip + paging.Size, cancellationToken))
            {
                // The page lies among the top-ranked matches, which all rank the same: newest first, no ranking needed.
                ordered = table.NewestFirst(best);
            }
            else
            {
                ordered = query.OrderByDescending(r => r.SearchVector!.Rank(ranked.Rank)).ThenByDescending(table.Newest).ThenBy(table.Id);
            }
        }
        items ??= await ordered.Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        var counts = filter.Facets == true ? await facets(query, cancellationToken) : null;
        return new RecordPage([.. items.Select(view)], paging.Number, paging.Size, total, counts, totalIsExact);
    }

    /// <summary>
    /// Facet counts from the groups of one grouped pass over the matches (grouped by every faceted field at once; the
    /// groups are few), summed per field here; a list without a field passes no selector for it.
    /// </summary>
    public static RecordFacets Facets<TGroup>(IReadOnlyList<TGroup> groups, Func<TGroup, int> count,
        Func<TGroup, string> fonds, Func<TGroup, string> category, Func<TGroup, int> year,
        Func<TGroup, string>? retention = null, Func<TGroup, string>? classification = null, Func<TGroup, string>? department = null) =>
        new(Sum(groups, fonds, count),
            Sum(groups, category, count),
            Sum(groups, g => year(g).ToString(System.Globalization.CultureInfo.InvariantCulture), count),
            retention is null ? null : Sum(groups, retention, count),
            classification is null ? null : Sum(groups, classification, count),
            department is null ? null : Sum(groups, department, count));

    /// <summary>Counts per value of one field, largest first.</summary>
    private static Dictionary<string, int> Sum<TGroup>(IEnumerable<TGroup> groups, Func<TGroup, string> value, Func<TGroup, int> count) =>
        groups.GroupBy(value, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Count: g.Sum(count)))
            .OrderByDescending(c => c.Count)
            .ToDictionary(c => c.Value, c => c.Count, StringComparer.Ordinal);
}
