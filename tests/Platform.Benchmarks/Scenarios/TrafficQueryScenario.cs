using System.Diagnostics;
using System.Globalization;
using Npgsql;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// <c>GET /api/audit/traffic</c> through dept-a's gateway over 10 million pre-aggregated interactions (quick: 300,000):
/// 30 days (quick: 3) of minute, hour and day buckets for 20 department pairs are written straight into dept-a's audit
/// database, as the consumers would have left them, then the console's three views are queried by 4 concurrent callers.
/// Baseline: the same bucket SELECT run directly on PostgreSQL.
/// </summary>
public sealed class TrafficQueryScenario : IScenario
{
    private const int Series = 20;

    public string Name => "traffic query (pre-aggregated)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var events = run.Size(10_000_000, 300_000);
        var days = run.Quick ? 3 : 30;
        var end = DateTimeOffset.UtcNow;
        var minutes = days * 1440;
        var perBucket = Math.Max(1, (events + minutes * Series - 1) / (minutes * Series));

        await using var db = new NpgsqlConnection(run.DeptA.DatabaseConnectionString("audit"));
        await db.OpenAsync(cancellationToken);
        var written = Stopwatch.StartNew();
        // Every interaction lasted ~50 ms (histogram slot 5 of 29: bounds 1, 2, 5, 10, 20, 50 ms, …).
        await using (var fill = new NpgsqlCommand($"""
            INSERT INTO traffic_buckets (granularity, bucket_start, from_department, to_department, kind, outcome, count,
                                         duration_count, duration_sum_ms, duration_max_ms, duration_histogram)
            SELECT 'minute', date_trunc('minute', $1::timestamptz) - make_interval(mins => m), 'bench-' || (s % 5), 'bench-' || ((s + 1 + s / 5) % 5),
                   (ARRAY['request.submitted','request.decided','content.delivered','api.catalogue'])[s % 4 + 1], 'ok',
                   $2, $2, $2 * 50.0, 50.0, array_fill(0::bigint, ARRAY[5]) || ARRAY[$2::bigint] || array_fill(0::bigint, ARRAY[23])
            FROM generate_series(0, $3 - 1) AS m, generate_series(0, {Series - 1}) AS s
            ON CONFLICT DO NOTHING
            """, db)
        {
            Parameters = { new() { Value = end }, new() { Value = (long)perBucket }, new() { Value = minutes } },
            CommandTimeout = 1800,
        })
        {
            await fill.ExecuteNonQueryAsync(cancellationToken);
        }
        // Hours and days, as the consumers keep them: the sums of their minutes.
        await using (var rollUp = new NpgsqlCommand("""
            INSERT INTO traffic_buckets (granularity, bucket_start, from_department, to_department, kind, outcome, count,
                                         duration_count, duration_sum_ms, duration_max_ms, duration_histogram)
            SELECT g, date_trunc(g, bucket_start, 'UTC'), from_department, to_department, kind, outcome, sum(count), sum(count), sum(duration_sum_ms), 50.0,
                   array_fill(0::bigint, ARRAY[5]) || ARRAY[sum(count)::bigint] || array_fill(0::bigint, ARRAY[23])
            FROM traffic_buckets, unnest(ARRAY['hour', 'day']) AS g
            WHERE granularity = 'minute' AND from_department LIKE 'bench-%'
            GROUP BY g, date_trunc(g, bucket_start, 'UTC'), from_department, to_department, kind, outcome
            ON CONFLICT DO NOTHING;
            ANALYZE traffic_buckets;
            """, db) { CommandTimeout = 1800 })
        {
            await rollUp.ExecuteNonQueryAsync(cancellationToken);
        }
        written.Stop();
        await using (var count = new NpgsqlCommand(
            "SELECT sum(count) FILTER (WHERE granularity = 'minute'), count(*) FROM traffic_buckets WHERE from_department LIKE 'bench-%'", db))
        await using (var reader = await count.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            run.Add(new Figure(Name, "interactions pre-aggregated", reader.GetDecimal(0) is var total ? (double)total : 0, "events"));
            run.Add(new Figure(Name, "bucket rows (minute + hour + day)", reader.GetInt64(1), "rows"));
        }
        run.Add(new Figure(Name, "time to write the buckets", written.Elapsed.TotalSeconds, "s"));

        using var http = await run.DeptA.HttpAsync();
        foreach (var (label, span, bucket) in new[] { ("last hour by minute", TimeSpan.FromHours(1), "minute"),
                     ("last 24 h by hour", TimeSpan.FromHours(24), "hour"), ($"last {days} days by day", TimeSpan.FromDays(days), "day") })
        {
            var query = $"from={Stamp(end - span)}&to={Stamp(end)}&bucket={bucket}";
            var baseline = await DirectAsync(db, end - span, end, bucket, cancellationToken);
            var result = await LoadGenerator.RunAsync(async () =>
            {
                using var response = await http.GetAsync($"api/audit/traffic?{query}", cancellationToken);
                await response.Content.ReadAsByteArrayAsync(cancellationToken);
                return response.IsSuccessStatusCode;
            }, concurrency: 4, run.Duration(10, 2), TimeSpan.FromSeconds(1));
            run.Add(new Figure(Name, $"{label} p50", result.P50Ms, "ms"));
            run.Add(new Figure(Name, $"{label} p95", result.P95Ms, "ms", "same SELECT on PostgreSQL, p95", baseline, "< 100 ms"));
            run.Add(new Figure(Name, $"{label} errors", result.Errors, "requests"));
        }
    }

    private static string Stamp(DateTimeOffset at) => Uri.EscapeDataString(at.ToString("O", CultureInfo.InvariantCulture));

    /// <summary>p95 of the API's bucket SELECT run directly, one caller, 50 times.</summary>
    private static async Task<double> DirectAsync(NpgsqlConnection db, DateTimeOffset from, DateTimeOffset to, string bucket, CancellationToken cancellationToken)
    {
        var timings = new List<double>();
        for (var i = 0; i < 50; i++)
        {
            var watch = Stopwatch.StartNew();
            await using var command = new NpgsqlCommand(
                "SELECT * FROM traffic_buckets WHERE granularity = $1 AND bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket_start", db)
            {
                Parameters = { new() { Value = bucket }, new() { Value = from }, new() { Value = to } },
            };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) { }
            timings.Add(watch.Elapsed.TotalMilliseconds);
        }
        timings.Sort();
        return LoadGenerator.Percentile(timings, 0.95);
    }
}
