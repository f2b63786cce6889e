using System.Diagnostics;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// 100,000 records (quick: 5,000) pushed through dept-a's gateway in batches of 1,000 by 4 concurrent clients, after a
/// warm-up of 10,000 (quick: 1,000) others, against a raw COPY of the same rows. Leaves the records in place for <see cref="SearchLatencyScenario"/>.
/// </summary>
public sealed class BatchIngestionScenario : IScenario
{
    public const int BatchSize = 1_000;

    public string Name => "ingestion (batches)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var count = run.Size(100_000, 5_000);
        var rows = Enumerable.Range(0, count).Select(i => RecordRow.Generate(run.RunId + "-batch", i)).ToArray();
        var copyRate = await Baselines.PostgresCopyAsync(run, rows, cancellationToken);
        var indexedCopyRate = await Baselines.PostgresCopyAsync(run, rows, cancellationToken, searchIndex: true);

        using var http = await run.DeptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(5);

        // Warm-up: a few batches of other records through the same path, their events fanned out, then a pause until the
        // processes are idle, so the timed run measures the platform, not the JIT compiling freshly started services.
        var warmUp = Enumerable.Range(0, run.Size(10_000, 1_000)).Select(i => RecordRow.Generate(run.RunId + "-warm", i)).ToArray();
        var warmUpPushes = new Pushes();
        await PushAsync(http, warmUp, warmUpPushes);
        await SearchLatencyScenario.WaitForEmptyQueuesAsync(run, run.Duration(300, 30), cancellationToken);
        await CpuAccounting.WaitForQuietAsync(run, TimeSpan.FromSeconds(30), cancellationToken);

        var pushes = new Pushes();
        var cpu = CpuAccounting.Start(run);
        var watch = Stopwatch.StartNew();
        await PushAsync(http, rows, pushes);
        var rate = count / watch.Elapsed.TotalSeconds;
        var sorted = pushes.Latencies.Order().ToArray();

        run.Add(new Figure(Name, $"records/s ({count:N0} records, batches of {BatchSize:N0}, 4 clients)", rate, "rec/s",
            "raw PostgreSQL COPY", copyRate, "≥ 25% of COPY"));
        // Not the issue's baseline: how much of the distance is the search index every stored record must enter.
        run.Add(new Figure(Name, "records/s, against COPY into a table with the catalogue's search index", rate, "rec/s",
            "raw COPY with search tokens + GIN index", indexedCopyRate));
        run.Add(new Figure(Name, "batch latency p50", LoadGenerator.Percentile(sorted, 0.50), "ms"));
        run.Add(new Figure(Name, "batch latency p95", LoadGenerator.Percentile(sorted, 0.95), "ms"));
        cpu.Report(Name, count, "record (while the batches ran)");
        // The batches' events are still fanning out to the consumers of both nodes, and dept-a's announcer may still hold
        // records to announce (rows, not messages): the whole cost of a record includes both.
        var drain = Stopwatch.StartNew();
        var deadline = DateTime.UtcNow + run.Duration(600, 30);
        long due, left;
        do
        {
            due = await run.DeptA.CountAsync("catalogue", "SELECT count(*) FROM record_announcements WHERE due");
            left = await SearchLatencyScenario.WaitForEmptyQueuesAsync(run, deadline - DateTime.UtcNow, cancellationToken);
        }
        while (due > 0 && DateTime.UtcNow < deadline);
        run.Add(new Figure(Name, $"backlog drained after the batches, announcer included ({due:N0} records due, {left:N0} messages left)",
            drain.Elapsed.TotalSeconds, "s"));
        run.Add(new Figure(Name, "records/s until the last one is listed at dept-b", count / (watch.Elapsed.TotalSeconds), "rec/s",
            "raw PostgreSQL COPY", copyRate));
        cpu.Report(Name, count, "record (batches and their event fan-out)");
        run.Add(new Figure(Name, $"failed batches + rejected records{pushes.Statuses}", pushes.Failed, "items"));
        run.Add(new Figure(Name, $"warm-up before timing ({warmUp.Length:N0} records): failed batches + rejected records{warmUpPushes.Statuses}",
            warmUpPushes.Failed, "items"));
    }

    /// <summary>Pushes <paramref name="rows"/> in batches from 4 concurrent clients, recording each batch's latency and outcome.</summary>
    private static Task PushAsync(HttpClient http, RecordRow[] rows, Pushes pushes)
    {
        var batches = rows.Chunk(BatchSize).ToArray();
        var next = -1;
        return Task.WhenAll(Enumerable.Range(0, 4).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < batches.Length; i = Interlocked.Increment(ref next))
            {
                var started = Stopwatch.GetTimestamp();
                using var response = await http.PostJsonAsync("api/catalogue/records/batch",
                    new { records = batches[i].Select(r => r.ToPush()).ToArray() });
                var elapsed = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
                lock (pushes.Latencies) pushes.Latencies.Add(elapsed);
                if (!response.IsSuccessStatusCode)
                {
                    Interlocked.Increment(ref pushes.FailedBatches);
                    pushes.Failures.Add((int)response.StatusCode);
                    continue;
                }
                var report = await response.ReadJsonAsync();
                Interlocked.Add(ref pushes.Rejected, report.GetProperty("rejected").GetInt32());
            }
        }));
    }

    private sealed class Pushes
    {
        public readonly List<double> Latencies = [];
        public readonly System.Collections.Concurrent.ConcurrentBag<int> Failures = [];
        public long Rejected;
        public long FailedBatches;

        public long Failed => FailedBatches + Rejected;

        public string Statuses => Failures.IsEmpty ? "" : $" (failed batches answered {string.Join(", ", Failures.Order())})";
    }
}
