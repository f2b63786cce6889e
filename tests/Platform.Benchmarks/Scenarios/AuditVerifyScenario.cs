using System.Diagnostics;

namespace Platform.Benchmarks.Scenarios;

/// <summary>Time for <c>AuditLog.VerifyAsync</c> to recompute a whole chain of 1,000,000 entries (quick: 100,000) on real PostgreSQL.</summary>
public sealed class AuditVerifyScenario : IScenario
{
    public string Name => "audit verify";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var entries = run.Size(1_000_000, 100_000);
        await using var database = await AuditBenchDatabase.CreateAsync(run, "verify", cancellationToken);
        var filling = Stopwatch.StartNew();
        await database.AppendAsync("filler", entries, 10_000, cancellationToken);
        run.Add(new Figure(Name, "filling appends (1 writer, 10,000 per transaction)", entries / filling.Elapsed.TotalSeconds, "entries/s"));

        await using var db = database.Context();
        var clock = Stopwatch.StartNew();
        var result = await AuditBenchDatabase.Log(db).VerifyAsync(cancellationToken);
        var seconds = clock.Elapsed.TotalSeconds;
        if (!result.Valid || result.Entries != entries)
        {
            throw new InvalidOperationException($"Verification of {entries} entries: valid={result.Valid}, entries={result.Entries}, {result.Reason}");
        }
        run.Add(new Figure(Name, $"verify {entries:N0} entries", seconds, "s", Target: entries == 1_000_000 ? "< 10 s" : "< 1 s (10 s per million)"));
        run.Add(new Figure(Name, "verification rate", entries / seconds, "entries/s", Target: "≥ 100,000/s"));
    }
}
