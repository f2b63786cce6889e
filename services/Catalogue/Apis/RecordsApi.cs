using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Apis;

/// <summary>This department's own records: push, read, list, history, withdraw.</summary>
public static class RecordsApi
{
    public static IEndpointRouteBuilder MapRecordsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalogue/records").WithTags("Records");

        api.MapPost("/", PushRecord)
            .RequireAuthorization(Roles.Publisher)
            .Accepts<RecordInput>("application/json")
            .WithSummary("Push one record; the same externalId again updates it (new version) or changes nothing if identical.");
        api.MapGet("/{id:guid}", GetRecord).WithSummary("One of this department's records.");
        api.MapGet("/{id:guid}/versions", GetVersions).WithSummary("Every version of a record, oldest first.");
        api.MapGet("/", ListRecords).WithSummary("This department's records; q searches title, keywords and description.");
        api.MapDelete("/{id:guid}", WithdrawRecord)
            .RequireAuthorization(Roles.Publisher)
            .WithSummary("Withdraw a record: kept in history, announced to peers.");
        return app;
    }

    internal static async Task<Results<Created<PushResult>, Ok<PushResult>, ValidationProblem>> PushRecord(
        HttpRequest request, RecordValidator validator, RecordIngestion ingestion, CancellationToken cancellationToken)
    {
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"The body is not valid JSON: {ex.Message}"] },
                title: "The record is not valid");
        }

        using (body)
        {
            var validation = validator.Validate(body.RootElement);
            if (!validation.IsValid)
            {
                return TypedResults.ValidationProblem(validation.Errors, title: "The record is not valid");
            }

            var (record, outcome) = await ingestion.PushAsync(validation.Metadata!, cancellationToken);
            var result = new PushResult(record.Id, record.ExternalId, record.Version, outcome.ToString().ToLowerInvariant());
            return outcome == PushOutcome.Created
                ? TypedResults.Created($"/api/catalogue/records/{record.Id}", result)
                : TypedResults.Ok(result);
        }
    }

    internal static async Task<Results<Ok<RecordView>, NotFound>> GetRecord(Guid id, CatalogueDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(RecordView.From(record));
    }

    internal static async Task<Results<Ok<RecordView[]>, NotFound>> GetVersions(Guid id, CatalogueDbContext db, CancellationToken cancellationToken)
    {
        var department = await db.Records.Where(r => r.Id == id).Select(r => r.Department).SingleOrDefaultAsync(cancellationToken);
        if (department is null)
        {
            return TypedResults.NotFound();
        }
        var versions = await db.RecordVersions.AsNoTracking().Where(v => v.RecordId == id).OrderBy(v => v.Version).ToListAsync(cancellationToken);
        return TypedResults.Ok(versions.Select(v => RecordView.From(v, department)).ToArray());
    }

    internal static async Task<Ok<PageOf<RecordView>>> ListRecords(
        CatalogueDbContext db, [AsParameters] Paging paging, string? q, string? fonds, string? category, int? year,
        CancellationToken cancellationToken)
    {
        var query = db.Records.AsNoTracking().Where(r => r.Status == RecordStatus.Active);
        if (!string.IsNullOrWhiteSpace(fonds)) query = query.Where(r => r.FondsCode == fonds);
        if (!string.IsNullOrWhiteSpace(category)) query = query.Where(r => r.Category == category);
        if (year is not null) query = query.Where(r => r.Date.Year == year);
        if (!string.IsNullOrWhiteSpace(q))
        {
            var pattern = $"%{Like.Escape(RecordValidator.Normalize(q))}%";
            query = query.Where(r => EF.Functions.ILike(r.Title, pattern)
                || (r.Description != null && EF.Functions.ILike(r.Description, pattern))
                || r.Keywords.Any(k => EF.Functions.ILike(k, pattern)));
        }

        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id).Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new PageOf<RecordView>([.. items.Select(RecordView.From)], paging.Number, paging.Size, total));
    }

    internal static async Task<Results<Ok<RecordView>, NotFound>> WithdrawRecord(Guid id, RecordIngestion ingestion, CancellationToken cancellationToken)
    {
        var record = await ingestion.WithdrawAsync(id, cancellationToken);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(RecordView.From(record));
    }
}

internal static class Like
{
    /// <summary>Escapes LIKE wildcards so a search term matches literally.</summary>
    public static string Escape(string term) =>
        term.Replace(@"\", @"\\", StringComparison.Ordinal).Replace("%", @"\%", StringComparison.Ordinal).Replace("_", @"\_", StringComparison.Ordinal);
}
