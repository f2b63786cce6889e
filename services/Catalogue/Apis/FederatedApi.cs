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
        CatalogueDbContext db, [AsParameters] Paging paging, [AsParameters] RecordFilter filter, string? department,
        CancellationToken cancellationToken)
    {
        var query = db.FederatedRecords.AsNoTracking().Where(r => !r.Withdrawn);
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(r => r.Department == department);
        if (!string.IsNullOrWhiteSpace(filter.Fonds)) query = query.Where(r => r.FondsCode == filter.Fonds);
        if (!string.IsNullOrWhiteSpace(filter.Category)) query = query.Where(r => r.Category == filter.Category);
        if (filter.Year is not null) query = query.Where(r => r.Year == filter.Year);
        if (filter.YearFrom is not null) query = query.Where(r => r.Year >= filter.YearFrom);
        if (filter.YearTo is not null) query = query.Where(r => r.Year <= filter.YearTo);

        var search = string.IsNullOrWhiteSpace(filter.Q) ? null : SearchText.Query(filter.Q);
        if (search is { } s) query = query.Where(r => r.SearchVector!.Matches(s.Match));
        else if (!string.IsNullOrWhiteSpace(filter.Q)) query = query.Where(r => false);

        var (total, totalIsExact) = await MatchCount.UpToLimitAsync(query, cancellationToken);
        IOrderedQueryable<FederatedRecord> ordered;
        var searchNewestFirst = false;
        if (search is not { } ranked)
        {
            ordered = query.OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
        }
        else if (!ranked.HasBigrams || await MatchCount.AtLeastAsync(query.Where(r => r.SearchVector!.Matches(ranked.Best)), paging.Skip + paging.Size, cancellationToken))
        {
            // The page lies among the top-ranked matches, which all rank the same: newest first, no ranking needed.
            ordered = query.Where(r => r.SearchVector!.Matches(ranked.Best)).OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
            searchNewestFirst = true;
        }
        else
        {
            ordered = query.OrderByDescending(r => r.SearchVector!.Rank(ranked.Rank)).ThenByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId);
        }
        var items = await MatchCount.NewestFirstPageAsync(db, ordered, paging, manyMatches: searchNewestFirst && !totalIsExact, cancellationToken);

        RecordFacets? facets = null;
        if (filter.Facets == true)
        {
            facets = new RecordFacets(
                await RecordsApi.Count(query.GroupBy(r => r.FondsCode).Select(g => new FacetCount<string>(g.Key, g.Count())), cancellationToken),
                await RecordsApi.Count(query.GroupBy(r => r.Category ?? "").Select(g => new FacetCount<string>(g.Key, g.Count())), cancellationToken),
                await RecordsApi.Count(query.GroupBy(r => r.Year).Select(g => new FacetCount<int>(g.Key, g.Count())), cancellationToken),
                null, null,
                await RecordsApi.Count(query.GroupBy(r => r.Department).Select(g => new FacetCount<string>(g.Key, g.Count())), cancellationToken));
        }
        return TypedResults.Ok(new RecordPage([.. items.Select(RecordView.From)], paging.Number, paging.Size, total, facets, totalIsExact));
    }
}
