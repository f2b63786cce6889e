using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
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
        api.MapPost("/batch", PushBatch)
            .RequireAuthorization(Roles.Publisher)
            .Accepts<BatchInput>("application/json")
            .WithSummary("Push up to 1,000 records; one result per item (accepted with id and outcome, or rejected with errors). Valid items are stored even when others are rejected.");
        api.MapPost("/csv", RecordCsv.Upload)
            .RequireAuthorization(Roles.Publisher)
            .Accepts<string>("text/csv")
            .WithSummary("Upload records as CSV (UTF-8 with or without BOM, or GB18030; charset parameter or detection); one result per row.");
        api.MapGet("/{id:guid}", GetRecord).WithSummary("One of this department's records.");
        api.MapGet("/{id:guid}/versions", GetVersions).WithSummary("Every version of a record, oldest first.");
        api.MapGet("/", ListRecords).WithSummary("This department's records; q searches title, keywords, description, creator and document number (Chinese included), ranked; facets=true adds counts.");
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

            var pushed = await ingestion.PushAsync(validation.Metadata!, cancellationToken);
            var result = PushResult.From(pushed);
            return pushed.Outcome == PushOutcome.Created
                ? TypedResults.Created($"/api/catalogue/records/{pushed.Id}", result)
                : TypedResults.Ok(result);
        }
    }

    internal static async Task<Results<Ok<BatchReport>, ValidationProblem>> PushBatch(
        HttpRequest request, RecordValidator validator, RecordIngestion ingestion, IOptions<IngestionOptions> options, CancellationToken cancellationToken)
    {
        JsonDocument body;
        try
        {
            body = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException ex)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["$"] = [$"The body is not valid JSON: {ex.Message}"] },
                title: "The batch is not valid");
        }

        using (body)
        {
            if (body.RootElement.ValueKind != JsonValueKind.Object
                || !body.RootElement.TryGetProperty("records", out var records) || records.ValueKind != JsonValueKind.Array)
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["records"] = ["The body must be an object with a 'records' array."] },
                    title: "The batch is not valid");
            }
            var max = options.Value.MaxBatchSize;
            if (records.GetArrayLength() is var count && (count == 0 || count > max))
            {
                return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["records"] = [$"A batch holds 1 to {max} records; this one has {count}."] },
                    title: "The batch is not valid");
            }
            var items = records.EnumerateArray().Select((item, index) => (index, item)).ToList();
            return TypedResults.Ok(await RecordBatches.PushAsync(items, validator, ingestion, cancellationToken));
        }
    }

    internal static async Task<Results<Ok<RecordView>, NotFound>> GetRecord(Guid id, CatalogueDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().Include(r => r.Announcement).SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
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

    private static readonly SearchedTable<ArchiveRecord> Table = new("records", r => r.UpdatedAt, r => r.Id);

    internal static async Task<Results<Ok<RecordPage>, ValidationProblem>> ListRecords(
        CatalogueDbContext db, CommonLexemes commonLexemes, [AsParameters] Paging paging, [AsParameters] RecordFilter filter, CancellationToken cancellationToken)
    {
        if (filter.Errors() is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var query = db.Records.AsNoTracking().Where(r => r.Status == RecordStatus.Active).WhereFondsAndCategory(filter);
        if (!string.IsNullOrWhiteSpace(filter.Retention)) query = query.Where(r => r.RetentionPeriod == filter.Retention);
        if (!string.IsNullOrWhiteSpace(filter.Classification)) query = query.Where(r => r.Classification == filter.Classification);
        if (filter.Year is not null) query = query.Where(r => r.Date >= new DateOnly(filter.Year.Value, 1, 1) && r.Date <= new DateOnly(filter.Year.Value, 12, 31));
        if (filter.YearFrom is not null) query = query.Where(r => r.Date >= new DateOnly(filter.YearFrom.Value, 1, 1));
        if (filter.YearTo is not null) query = query.Where(r => r.Date <= new DateOnly(filter.YearTo.Value, 12, 31));
        return TypedResults.Ok(await RecordSearch.PageAsync(query, Table, filter, paging, db, commonLexemes, FacetsAsync, RecordView.From, cancellationToken));
    }

    /// <summary>Facet counts of every match in one grouped pass (<see cref="RecordSearch.Facets"/>).</summary>
    private static async Task<RecordFacets> FacetsAsync(IQueryable<ArchiveRecord> matches, CancellationToken cancellationToken)
    {
        var groups = await matches
            .GroupBy(r => new { r.FondsCode, Category = r.Category ?? "", r.Date.Year, r.RetentionPeriod, r.Classification })
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return RecordSearch.Facets(groups, g => g.Count, g => g.Key.FondsCode, g => g.Key.Category, g => g.Key.Year,
            retention: g => g.Key.RetentionPeriod, classification: g => g.Key.Classification);
    }

    internal static async Task<Results<Ok<RecordView>, NotFound>> WithdrawRecord(Guid id, RecordIngestion ingestion, CancellationToken cancellationToken)
    {
        var record = await ingestion.WithdrawAsync(id, cancellationToken);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(RecordView.From(record));
    }
}
