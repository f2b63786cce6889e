using System.Diagnostics;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>Records pushed one per call through the gateway by 16 concurrent clients, against a raw COPY of the same rows.</summary>
public sealed class SinglePushIngestionScenario : IScenario
{
    public string Name => "ingestion (single pushes)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var count = run.Size(5_000, 300);
        var rows = Enumerable.Range(0, count).Select(i => RecordRow.Generate(run.RunId + "-single", i)).ToArray();
        var copyRate = await Baselines.PostgresCopyAsync(run, rows, cancellationToken);

        using var http = await run.DeptA.HttpAsync();
        var next = -1;
        long failures = 0;
        var watch = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 16).Select(async _ =>
        {
            for (var i = Interlocked.Increment(ref next); i < rows.Length; i = Interlocked.Increment(ref next))
            {
                using var response = await http.PostJsonAsync("api/catalogue/records", rows[i].ToPush());
                if (!response.IsSuccessStatusCode) Interlocked.Increment(ref failures);
            }
        }));
        var rate = count / watch.Elapsed.TotalSeconds;

        run.Add(new Figure(Name, $"records/s ({count:N0} records, 16 clients)", rate, "rec/s", "raw PostgreSQL COPY", copyRate));
        run.Add(new Figure(Name, "failed pushes", failures, "records"));
    }
}
