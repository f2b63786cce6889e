using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Apis;

/// <summary>The sharing attribute of each of this department's announced records.</summary>
public static class SharedRecordsApi
{
    public static IEndpointRouteBuilder MapSharedRecordsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sharing/records").WithTags("Shared records");
        api.MapGet("/", ListRecords).WithSummary("This department's announced records and their sharing attribute.");
        api.MapGet("/{id:guid}", GetRecord);
        return app;
    }

    internal static async Task<Ok<SharedRecord[]>> ListRecords(SharingDbContext db, string? sharing, CancellationToken cancellationToken)
    {
        var query = db.Records.AsNoTracking().Where(r => !r.Withdrawn);
        if (!string.IsNullOrWhiteSpace(sharing)) query = query.Where(r => r.Sharing == sharing);
        return TypedResults.Ok(await query.OrderByDescending(r => r.UpdatedAt).Take(1000).ToArrayAsync(cancellationToken));
    }

    internal static async Task<Results<Ok<SharedRecord>, NotFound>> GetRecord(Guid id, SharingDbContext db, CancellationToken cancellationToken)
    {
        var record = await db.Records.AsNoTracking().SingleOrDefaultAsync(r => r.RecordId == id, cancellationToken);
        return record is null ? TypedResults.NotFound() : TypedResults.Ok(record);
    }
}
