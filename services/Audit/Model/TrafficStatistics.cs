using Npgsql;
using NpgsqlTypes;
using Platform.Audit.Infrastructure;
using Platform.ServiceDefaults;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;

namespace Platform.Audit.Model;

/// <summary>
/// One exchange interaction to count: who to whom, what, how it ended, and how long it took where that is known; or
/// <paramref name="Count"/> alike ones at once (denials the gateway counted), without durations.
/// </summary>
public sealed record TrafficInteraction(
    DateTimeOffset OccurredAt, string FromDepartment, string ToDepartment, string Kind, string Outcome, double? DurationMs = null, long Count = 1);

/// <summary>The kinds of interaction counted (the <c>kind</c> of a traffic bucket).</summary>
public static class TrafficKinds
{
    public const string RecordPublished = "record.published";
    public const string RecordUpdated = "record.updated";
    public const string RecordWithdrawn = "record.withdrawn";
    public const string RequestSubmitted = "request.submitted";
    public const string RequestDecided = "request.decided";
    public const string RequestOverdue = "request.overdue";
    public const string ContentDelivered = "content.delivered";
    public const string ContentReceived = "content.received";
    public const string ContentDenied = "content.denied";

    /// <summary>An API call on one of this node's services: <c>api.catalogue</c>, <c>api.sharing</c>…</summary>
    public static string Api(string service) => $"api.{service}";

    /// <summary>A broadcast's "to": every department.</summary>
    public const string Everyone = "*";

    /// <summary>A caller's department as a bucket keeps it: <c>anonymous</c> without one, cut to the column's length.</summary>
    public static string Department(string? department) => StoredText.Fit(department ?? "anonymous", 40);
}

/// <summary>
/// Pre-aggregated traffic: every interaction is added, in the transaction that consumes its message, to one minute, one hour
/// and one day bucket per (from, to, kind, outcome), with a latency histogram. Queries read buckets only, so their cost
/// depends on the range asked for, not on how many events there were.
/// </summary>
public sealed class TrafficStatistics(AuditDbContext db)
{
    /// <summary>Upper bounds (ms) of the latency histogram's slots: 1-2-5 steps from 1 ms to ~11.6 days, plus one open slot.</summary>
    public static readonly double[] HistogramBounds = BuildBounds();

    public static readonly IReadOnlyList<(string Name, TimeSpan Width)> Granularities =
        [("minute", TimeSpan.FromMinutes(1)), ("hour", TimeSpan.FromHours(1)), ("day", TimeSpan.FromDays(1))];

    private static double[] BuildBounds()
    {
        var bounds = new List<double>();
        for (var scale = 1d; scale <= 1e9; scale *= 10)
        {
            bounds.Add(scale);
            if (scale < 1e9) { bounds.Add(2 * scale); bounds.Add(5 * scale); }
        }
        return [.. bounds];
    }

    public static int Slot(double durationMs)
    {
        var slot = Array.BinarySearch(HistogramBounds, durationMs);
        return slot >= 0 ? slot : ~slot;
    }

    public static DateTimeOffset Truncate(DateTimeOffset at, TimeSpan width) =>
        new(at.UtcTicks - at.UtcTicks % width.Ticks, TimeSpan.Zero);

    /// <summary>Adds interactions to their buckets. Must run inside the consumer's transaction, so a redelivery adds nothing.</summary>
    public async Task AddAsync(IReadOnlyCollection<TrafficInteraction> interactions, CancellationToken cancellationToken)
    {
        if (interactions.Count == 0) return;
        if (db.Database.CurrentTransaction is null) throw new InvalidOperationException("Traffic counts must be added inside a transaction.");

        var buckets = new SortedDictionary<(string, DateTimeOffset, string, string, string, string), Aggregate>();
        foreach (var interaction in interactions)
        {
            foreach (var (name, width) in Granularities)
            {
                var key = (name, Truncate(interaction.OccurredAt, width), interaction.FromDepartment, interaction.ToDepartment,
                    interaction.Kind, interaction.Outcome);
                if (!buckets.TryGetValue(key, out var aggregate)) buckets[key] = aggregate = new Aggregate();
                aggregate.Add(interaction.DurationMs, interaction.Count);
            }
        }

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using var batch = new NpgsqlBatch(connection);
        foreach (var ((granularity, start, from, to, kind, outcome), aggregate) in buckets)
        {
            batch.BatchCommands.Add(new NpgsqlBatchCommand(
                """
                INSERT INTO traffic_buckets AS t (granularity, bucket_start, from_department, to_department, kind, outcome, count,
                                                  duration_count, duration_sum_ms, duration_max_ms, duration_histogram)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                ON CONFLICT (granularity, bucket_start, from_department, to_department, kind, outcome) DO UPDATE SET
                    count = t.count + EXCLUDED.count,
                    duration_count = t.duration_count + EXCLUDED.duration_count,
                    duration_sum_ms = t.duration_sum_ms + EXCLUDED.duration_sum_ms,
                    duration_max_ms = greatest(t.duration_max_ms, EXCLUDED.duration_max_ms),
                    duration_histogram = ARRAY(SELECT a + b FROM unnest(t.duration_histogram, EXCLUDED.duration_histogram) WITH ORDINALITY AS h(a, b, i) ORDER BY i)
                """)
            {
                Parameters =
                {
                    new() { Value = granularity, NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = start, NpgsqlDbType = NpgsqlDbType.TimestampTz },
                    new() { Value = from, NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = to, NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = kind, NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = outcome, NpgsqlDbType = NpgsqlDbType.Varchar },
                    new() { Value = aggregate.Count, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new() { Value = aggregate.DurationCount, NpgsqlDbType = NpgsqlDbType.Bigint },
                    new() { Value = aggregate.DurationSum, NpgsqlDbType = NpgsqlDbType.Double },
                    new() { Value = aggregate.DurationMax, NpgsqlDbType = NpgsqlDbType.Double },
                    new() { Value = aggregate.Histogram, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bigint },
                },
            });
        }
        batch.Transaction = (NpgsqlTransaction?)db.Database.CurrentTransaction.GetDbTransaction();
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private sealed class Aggregate
    {
        public long Count;
        public long DurationCount;
        public double DurationSum;
        public double DurationMax;
        public long[] Histogram { get; } = new long[HistogramBounds.Length + 1];

        public void Add(double? durationMs, long count)
        {
            Count += count;
            if (durationMs is not { } ms) return;
            DurationCount++;
            DurationSum += ms;
            DurationMax = Math.Max(DurationMax, ms);
            Histogram[Slot(ms)]++;
        }
    }
}

/// <summary>A row of <c>traffic_buckets</c>.</summary>
public sealed class TrafficBucket
{
    public required string Granularity { get; set; }
    public DateTimeOffset BucketStart { get; set; }
    public required string FromDepartment { get; set; }
    public required string ToDepartment { get; set; }
    public required string Kind { get; set; }
    public required string Outcome { get; set; }
    public long Count { get; set; }
    public long DurationCount { get; set; }
    public double DurationSumMs { get; set; }
    public double DurationMaxMs { get; set; }
    public required long[] DurationHistogram { get; set; }
}
