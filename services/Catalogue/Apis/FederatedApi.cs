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
            .WithSummary("Records other departments have published; q searches the title.");
        return app;
    }

    internal static async Task<Ok<PageOf<RecordView>>> ListFederated(
        CatalogueDbContext db, [AsParameters] Paging paging, string? q, string? department, string? fonds, string? category, int? year,
        CancellationToken cancellationToken)
    {
        var query = db.FederatedRecords.AsNoTracking().Where(r => !r.Withdrawn);
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(r => r.Department == department);
        if (!string.IsNullOrWhiteSpace(fonds)) query = query.Where(r => r.FondsCode == fonds);
        if (!string.IsNullOrWhiteSpace(category)) query = query.Where(r => r.Category == category);
        if (year is not null) query = query.Where(r => r.Year == year);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = $"%{Like.Escape(RecordValidator.Normalize(q))}%";
            query = query.Where(r => EF.Functions.ILike(r.Title, pattern));
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.PublishedAt).ThenBy(r => r.RecordId).Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PageOf<RecordView>([.. items.Select(RecordView.From)], paging.Number, paging.Size, total));
    }
}
