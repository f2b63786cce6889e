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

    internal static async Task<Ok<RecordPage>> ListRecords(
        CatalogueDbContext db, CommonLexemes commonLexemes, [AsParameters] Paging paging, [AsParameters] RecordFilter filter, CancellationToken cancellationToken)
    {
        var query = db.Records.AsNoTracking().Where(r => r.Status == RecordStatus.Active);
        if (!string.IsNullOrWhiteSpace(filter.Fonds)) query = query.Where(r => r.FondsCode == filter.Fonds);
        if (!string.IsNullOrWhiteSpace(filter.Category)) query = query.Where(r => r.Category == filter.Category);
        if (!string.IsNullOrWhiteSpace(filter.Retention)) query = query.Where(r => r.RetentionPeriod == filter.Retention);
        if (!string.IsNullOrWhiteSpace(filter.Classification)) query = query.Where(r => r.Classification == filter.Classification);
        if (filter.Year is not null) query = query.Where(r => r.Date >= new DateOnly(filter.Year.Value, 1, 1) && r.Date <= new DateOnly(filter.Year.Value, 12, 31));
        if (filter.YearFrom is not null) query = query.Where(r => r.Date >= new DateOnly(filter.YearFrom.Value, 1, 1));
        if (filter.YearTo is not null) query = query.Where(r => r.Date <= new DateOnly(filter.YearTo.Value, 12, 31));

        var filtered = query;
        var search = string.IsNullOrWhiteSpace(filter.Q) ? null : SearchText.Query(filter.Q);
        if (search is { } s)
        {
            // The GIN index is asked for the tokens that narrow the search; the rows it returns are tested against all of it.
            query = SearchText.Selective(s, await commonLexemes.OfAsync(db, "records", cancellationToken)) is { } selective
                ? query.Where(r => r.SearchVector!.Matches(selective) && SearchFunctions.MatchesWithoutIndex(r.SearchVector, s.Match))
                : query.Where(r => r.SearchVector!.Matches(s.Match));
        }
        else if (!string.IsNullOrWhiteSpace(filter.Q))
        {
            query = query.Where(r => false);
        }

        var (total, totalIsExact) = await MatchCount.UpToLimitAsync(query, cancellationToken);
        List<ArchiveRecord>? items = null;
        IOrderedQueryable<ArchiveRecord> ordered;
        if (search is not { } ranked)
        {
            ordered = query.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id);
        }
        else
        {
            var best = query.Where(r => r.SearchVector!.Matches(ranked.Best));
            if (!totalIsExact)
            {
                // Too many matches to count: the page is most likely the newest of many top-ranked ones (they all rank the same).
                items = await MatchCount.NewestAmongRecentAsync(filtered, q => q.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id),
                    r => r.SearchVector!.Matches(ranked.Best), paging, cancellationToken);
            }
            if (items is not null || !ranked.HasBigrams || await MatchCount.AtLeastAsync(best, paging.Skip + paging.Size, cancellationToken))
            {
                // The page lies among the top-ranked matches, which all rank the same: newest first, no ranking needed.
                ordered = best.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id);
            }
            else
            {
                ordered = query.OrderByDescending(r => r.SearchVector!.Rank(ranked.Rank)).ThenByDescending(r => r.UpdatedAt).ThenBy(r => r.Id);
            }
        }
        items ??= await ordered.Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        var facets = filter.Facets == true ? await FacetsAsync(query, cancellationToken) : null;
        return TypedResults.Ok(new RecordPage([.. items.Select(RecordView.From)], paging.Number, paging.Size, total, facets, totalIsExact));
    }

    /// <summary>
    /// Facet counts of every match in one grouped pass (one scan of the matches, grouped by every faceted field at
    /// once; the groups are few), summed per field here.
    /// </summary>
    internal static async Task<RecordFacets> FacetsAsync(IQueryable<ArchiveRecord> matches, CancellationToken cancellationToken)
    {
        var groups = await matches
            .GroupBy(r => new { r.FondsCode, Category = r.Category ?? "", r.Date.Year, r.RetentionPeriod, r.Classification })
            .Select(g => new { g.Key, Count = g.Count() })
            .ToListAsync(cancellationToken);
        return new RecordFacets(
            Sum(groups, g => g.Key.FondsCode, g => g.Count),
            Sum(groups, g => g.Key.Category, g => g.Count),
            Sum(groups, g => g.Key.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), g => g.Count),
            Sum(groups, g => g.Key.RetentionPeriod, g => g.Count),
            Sum(groups, g => g.Key.Classification, g => g.Count),
            null);
    }

    /// <summary>Counts per value of one field, largest first.</summary>
    internal static Dictionary<string, int> Sum<T>(IEnumerable<T> groups, Func<T, string> value, Func<T, int> count) =>
        groups.GroupBy(value, StringComparer.Ordinal)
            .Select(g => (Value: g.Key, Count: g.Sum(count)))
            .OrderByDescending(c => c.Count)
            .ToDictionary(c => c.Value, c => c.Count, StringComparer.Ordinal);

    internal static async Task<Results<Ok<RecordView>, NotFound>> WithdrawRecord(Guid id, RecordIngestion ingestion, CancellationToken cancellationToken)
    {
        var record = await ingestion.WithdrawAsync(id, cancellationToken);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(RecordView.From(record));
    }
}
