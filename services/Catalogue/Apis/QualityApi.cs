using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.ServiceDefaults;

namespace Platform.Catalogue.Apis;

/// <summary>Metadata quality of this department's records: the distribution the supervision KPIs read.</summary>
public static class QualityApi
{
    public static IEndpointRouteBuilder MapQualityApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/catalogue/quality", GetQuality)
            .WithTags("Quality")
            .WithSummary("Quality scores of this department's active records: count, average, distribution by band and the most frequent reasons points were lost.");
        return app;
    }

    internal static async Task<Ok<QualityReport>> GetQuality(CatalogueDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var active = db.Records.AsNoTracking().Where(r => r.Status == RecordStatus.Active);
        var count = await active.CountAsync(cancellationToken);
        var average = count == 0 ? 0 : await active.AverageAsync(r => r.QualityScore, cancellationToken);
        var bands = new Dictionary<string, int>
        {
            ["90-100"] = await active.CountAsync(r => r.QualityScore >= 90, cancellationToken),
            ["80-89"] = await active.CountAsync(r => r.QualityScore >= 80 && r.QualityScore < 90, cancellationToken),
            ["60-79"] = await active.CountAsync(r => r.QualityScore >= 60 && r.QualityScore < 80, cancellationToken),
            ["0-59"] = await active.CountAsync(r => r.QualityScore < 60, cancellationToken),
        };
        var issues = await db.Database.SqlQuery<IssueCount>($"""
            SELECT issue->>'code' AS code, issue->>'field' AS field, count(*)::int AS records
            FROM records, jsonb_array_elements(quality_issues) AS issue
            WHERE status = 'Active'
            GROUP BY 1, 2
            ORDER BY 3 DESC, 1
            """).ToListAsync(cancellationToken);
        return TypedResults.Ok(new QualityReport(node.Value.Id, count, Math.Round(average, 1), bands, issues));
    }
}

/// <summary>One department's metadata quality: how many active records, their average score, how many fall in each band, and why points were lost.</summary>
public sealed record QualityReport(string Department, int Records, double Average, Dictionary<string, int> Bands, IReadOnlyList<IssueCount> Issues);

/// <summary>How many records lost points for one reason.</summary>
public sealed record IssueCount(string Code, string Field, int Records);
