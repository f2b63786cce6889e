using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults.Input;

namespace Platform.Audit.Apis;

/// <summary>Exchange traffic for operators, answered from the pre-aggregated buckets.</summary>
public static class TrafficApi
{
    private static readonly Dictionary<string, (TimeSpan Width, TimeSpan MaxRange)> Buckets = new(StringComparer.Ordinal)
    {
        ["minute"] = (TimeSpan.FromMinutes(1), TimeSpan.FromDays(2)),
        ["hour"] = (TimeSpan.FromHours(1), TimeSpan.FromDays(93)),
        ["day"] = (TimeSpan.FromDays(1), TimeSpan.FromDays(3700)),
    };

    public static IEndpointRouteBuilder MapTrafficApi(this IEndpointRouteBuilder app)
    {
        app.MapGroup("/api/audit").WithTags("Operations").RequireAuthorization(Roles.Operator)
            .MapGet("/traffic", GetTraffic)
            .WithSummary("Exchange interactions per (from department, to department, kind, outcome) and time bucket (minute, hour or day), with latency percentiles where a duration exists. Defaults: the last hour by minute.");
        return app;
    }

    internal static async Task<Results<Ok<TrafficReport>, ValidationProblem>> GetTraffic(
        AuditDbContext db, TimeProvider clock, DateTimeOffset? from, DateTimeOffset? to, string? bucket, string? kind, string? department,
        CancellationToken cancellationToken)
    {
        var errors = QueryTime.Errors(("from", from), ("to", to));
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);
        var name = string.IsNullOrWhiteSpace(bucket) ? "minute" : bucket.Trim().ToLowerInvariant();
        if (!Buckets.TryGetValue(name, out var granularity))
        {
            errors["bucket"] = ["Must be minute, hour or day."];
            return TypedResults.ValidationProblem(errors);
        }
        var end = to ?? clock.GetUtcNow();
        var start = from ?? end - TimeSpan.FromHours(1);
        if (start >= end) errors["from"] = ["Must be before 'to'."];
        else if (end - start > granularity.MaxRange) errors["to"] = [$"A range by {name} may span at most {granularity.MaxRange.TotalDays:0} days; use a larger bucket."];
        if (errors.Count > 0) return TypedResults.ValidationProblem(errors);

        var first = TrafficStatistics.Truncate(start, granularity.Width);
        var query = db.TrafficBuckets.AsNoTracking()
            .Where(b => b.Granularity == name && b.BucketStart >= first && b.BucketStart < end);
        if (!string.IsNullOrWhiteSpace(kind)) query = query.Where(b => b.Kind == kind);
        if (!string.IsNullOrWhiteSpace(department)) query = query.Where(b => b.FromDepartment == department || b.ToDepartment == department);
        var rows = await query.OrderBy(b => b.BucketStart).ToListAsync(cancellationToken);
        return TypedResults.Ok(TrafficReport.Of(first, end, name, rows));
    }
}

/// <summary>Traffic of a range: one point per bucket and series, totals per series, and overall totals with the error rate.</summary>
public sealed record TrafficReport(
    DateTimeOffset From, DateTimeOffset To, string Bucket, TrafficTotals Totals, IReadOnlyList<TrafficSeriesTotal> Pairs, IReadOnlyList<TrafficPoint> Points)
{
    /// <summary>Outcomes that count as errors in <see cref="TrafficTotals.ErrorRate"/>.</summary>
    public static readonly string[] ErrorOutcomes = ["failed", "denied"];

    public static TrafficReport Of(DateTimeOffset from, DateTimeOffset to, string bucket, IReadOnlyList<TrafficBucket> rows)
    {
        var points = rows.Select(r => new TrafficPoint(r.BucketStart, r.FromDepartment, r.ToDepartment, r.Kind, r.Outcome, r.Count,
            Latency.Of(r.DurationCount, r.DurationSumMs, r.DurationMaxMs, r.DurationHistogram))).ToList();
        var pairs = rows.GroupBy(r => (r.FromDepartment, r.ToDepartment, r.Kind, r.Outcome))
            .Select(g => new TrafficSeriesTotal(g.Key.FromDepartment, g.Key.ToDepartment, g.Key.Kind, g.Key.Outcome, g.Sum(r => r.Count),
                Latency.Of(g.Sum(r => r.DurationCount), g.Sum(r => r.DurationSumMs), g.Max(r => r.DurationMaxMs), Sum(g.Select(r => r.DurationHistogram)))))
            .OrderBy(p => p.FromDepartment, StringComparer.Ordinal).ThenBy(p => p.ToDepartment, StringComparer.Ordinal)
            .ThenBy(p => p.Kind, StringComparer.Ordinal).ThenBy(p => p.Outcome, StringComparer.Ordinal)
            .ToList();
        var total = rows.Sum(r => r.Count);
        var errors = rows.Where(r => ErrorOutcomes.Contains(r.Outcome)).Sum(r => r.Count);
        return new TrafficReport(from, to, bucket, new TrafficTotals(total, errors, total == 0 ? 0 : Math.Round((double)errors / total, 4)), pairs, points);
    }

    private static long[] Sum(IEnumerable<long[]> histograms)
    {
        var sum = new long[TrafficStatistics.HistogramBounds.Length + 1];
        foreach (var histogram in histograms)
        {
            for (var i = 0; i < Math.Min(sum.Length, histogram.Length); i++) sum[i] += histogram[i];
        }
        return sum;
    }
}

public sealed record TrafficTotals(long Count, long Errors, double ErrorRate);

public sealed record TrafficPoint(
    DateTimeOffset BucketStart, string FromDepartment, string ToDepartment, string Kind, string Outcome, long Count, Latency? Latency);

public sealed record TrafficSeriesTotal(string FromDepartment, string ToDepartment, string Kind, string Outcome, long Count, Latency? Latency);

/// <summary>
/// Durations of a series. Percentiles come from the bucket histogram (1-2-5 steps), so each is the upper bound of the slot
/// holding that rank, capped by the largest duration seen: at most one step above the true value.
/// </summary>
public sealed record Latency(long Count, double MeanMs, double MaxMs, double P50Ms, double P95Ms, double P99Ms)
{
    public static Latency? Of(long count, double sumMs, double maxMs, long[] histogram)
    {
        if (count == 0) return null;
        return new Latency(count, Math.Round(sumMs / count, 3), maxMs, Quantile(0.5), Quantile(0.95), Quantile(0.99));

        double Quantile(double q)
        {
            var rank = (long)Math.Ceiling(q * count);
            long seen = 0;
            for (var i = 0; i < histogram.Length; i++)
            {
                seen += histogram[i];
                if (seen >= rank) return i < TrafficStatistics.HistogramBounds.Length ? Math.Min(TrafficStatistics.HistogramBounds[i], maxMs) : maxMs;
            }
            return maxMs;
        }
    }
}
