using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;

namespace Platform.Catalogue.Apis;

/// <summary>What other departments have published (metadata only), as learned from their events.</summary>
public static class FederatedApi
{
    public static IEndpointRouteBuilder MapFederatedApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/catalogue/federated", ListFederated)
            .WithTags("Federated catalogue")
            .WithSummary("Records other departments have published; q searches title, keywords, description, creator and document number (Chinese included), ranked.");
        return app;
    }

    internal static async Task<Ok<RecordPage>> ListFederated(
        CatalogueDbContext db, CommonLexemes commonLexemes, [AsParameters] Paging paging, [AsParameters] RecordFilter filter, string? department,
        CancellationToken cancellationToken)
    {
        var query = db.FederatedRecords.AsNoTracking().Where(r => !r.Withdrawn);
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(r => r.Department == department);
        if (!string.IsNullOrWhiteSpace(filter.Fonds)) query = query.Where(r => r.FondsCode == filter.Fonds);
        if (!string.IsNullOrWhiteSpace(filter.Category)) query = query.Where(r => r.Category == filter.Category);
        if (filter.Year is not null) query = query.Where(r => r.Year == filter.Year);
        if (filter.YearFrom is not null) query = query.Where(r => r.Year >= filter.YearFrom);
        if (filter.YearTo is not null) query = query.Where(r => r.Year <= filter.YearTo);

        var filtered = query;
        var search = string.IsNullOrWhiteSpace(filter.Q) ? null : SearchText.Query(filter.Q);
        if (search is { } s)
        {
            // The GIN index is asked for the tokens that narrow the search; the rows it returns are tested against all of it.
            query = SearchText.Selective(s, await commonLexemes.OfAsync(db, "federated_records", cancellationToken)) is { } selective
                ? query.Where(r => r.SearchVector!.Matches(selective) && SearchFunctions.MatchesWithoutIndex(r.SearchVector, s.Match))
                : query.Where(r => r.SearchVector!.Matches(s.Match));
        }
        else if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            query = query.Where(r => false);
        }

        var (total, totalIsExact) = await MatchCount.UpToLimitAsync(query, cancellationToken);
        List<FederatedRecord>? items = null;
        IOrderedQueryable<FederatedRecord> ordered;
        if (search is not { } ranked)
        {
            ordered = query.OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
        }
        else
        {
            var best = query.Where(r => r.SearchVector!.Matches(ranked.Best));
            if (!totalIsExact)
            {
                // Too many matches to count: the page is most likely the newest of many top-ranked ones (they all rank the same).
                items = await MatchCount.NewestAmongRecentAsync(filtered, q => q.OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId),
                    r => r.SearchVector!.Matches(ranked.Best), paging, cancellationToken);
            }
            if (items is not null || !ranked.HasBigrams || await MatchCount.AtLeastAsync(best, paging.Skip + paging.Size, cancellationToken))
            {
                // The page lies among the top-ranked matches, which all rank the same: newest first, no ranking needed.
                ordered = best.OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
            }
            else
            {
                ordered = query.OrderByDescending(r => r.SearchVector!.Rank(ranked.Rank)).ThenByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
            }
        }
        items ??= await ordered.Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        var facets = filter.Facets == true ? await FacetsAsync(query, cancellationToken) : null;
        return TypedResults.Ok(new RecordPage([.. items.Select(RecordView.From)], paging.Number, paging.Size, total, facets, totalIsExact));
    }

    /// <summary>Facet counts of every match in one grouped pass (see <see cref="RecordsApi.FacetsAsync"/>).</summary>
    private static async Task<RecordFacets> FacetsAsync(IQueryable<FederatedRecord> matches, CancellationToken cancellationToken)
    {
        var groups = await matches
            .GroupBy(r => new { r.FondsCode, Category = r.Category ?? "", r.Year, r.Department })
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return new RecordFacets(
            RecordsApi.Sum(groups, g => g.Key.FondsCode, g => g.Count),
            RecordsApi.Sum(groups, g => g.Key.Category, g => g.Count),
            RecordsApi.Sum(groups, g => g.Key.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count),
            null, null,
            RecordsApi.Sum(groups, g => g.Key.Department, g => g.Count));
    }
}
