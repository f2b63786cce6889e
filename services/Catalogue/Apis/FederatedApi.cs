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

    private static readonly SearchedTable<FederatedRecord> Table = new("federated_records", r => r.PublishedAt, r => r.RecordId);

    internal static async Task<Results<Ok<RecordPage>, ValidationProblem>> ListFederated(
        CatalogueDbContext db, CommonLexemes commonLexemes, [AsParameters] Paging paging, [AsParameters] RecordFilter filter, string? department,
        CancellationToken cancellationToken)
    {
        if (filter.Errors() is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var query = db.FederatedRecords.AsNoTracking().Where(r => !r.Withdrawn);
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(r => r.Department == department);
        query = query.WhereFondsAndCategory(filter);
        if (filter.Year is not null) query = query.Where(r => r.Year == filter.Year);
        if (filter.YearFrom is not null) query = query.Where(r => r.Year >= filter.YearFrom);
        if (filter.YearTo is not null) query = query.Where(r => r.Year <= filter.YearTo);
        return TypedResults.Ok(await RecordSearch.PageAsync(query, Table, filter, paging, db, commonLexemes, FacetsAsync, RecordView.From, cancellationToken));
    }

    /// <summary>Facet counts of every match in one grouped pass (<see cref="RecordSearch.Facets"/>).</summary>
    private static async Task<RecordFacets> FacetsAsync(IQueryable<FederatedRecord> matches, CancellationToken cancellationToken)
    {
        var groups = await matches
            .GroupBy(r => new { r.FondsCode, Category = r.Category ?? "", r.Year, r.Department })
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return RecordSearch.Facets(groups, g => g.Count, g => g.Key.FondsCode, g => g.Key.Category, g => g.Key.Year,
            department: g => g.Key.Department);
    }
}
