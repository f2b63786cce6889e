using System.Diagnostics;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Audit appends per second through <c>AuditLog.AppendManyAsync</c> on real PostgreSQL with 8 concurrent writers: in batches
/// as the API-call consumer appends (one lock, one COPY per batch), and one entry per transaction (the worst case).
/// </summary>
public sealed class AuditAppendScenario : IScenario
{
    private const int Writers = 8;

    public string Name => "audit appends";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var database = await AuditBenchDatabase.CreateAsync(run, "append", cancellationToken);
        await database.AppendAsync("warm-up", 1_000, 100, cancellationToken);

        var batched = await MeasureAsync(database, run.Size(25_000, 5_000), perTransaction: 100, cancellationToken);
        run.Add(new Figure(Name, $"{Writers} writers, 100 per transaction", batched, "entries/s", Target: "≥ 10,000/s"));

        var consumerBatches = await MeasureAsync(database, run.Size(25_000, 5_000), perTransaction: 500, cancellationToken);
        run.Add(new Figure(Name, $"{Writers} writers, 500 per transaction (the API-call consumer's largest batch)", consumerBatches, "entries/s", Target: "≥ 10,000/s"));

        var single = await MeasureAsync(database, run.Size(1_000, 250), perTransaction: 1, cancellationToken);
        run.Add(new Figure(Name, $"{Writers} writers, 1 per transaction", single, "entries/s"));

        await using var db = database.Context();
        var verification = await AuditBenchDatabase.Log(db).VerifyAsync(cancellationToken);
        if (!verification.Valid) throw new InvalidOperationException($"Chain broken after concurrent appends: {verification.Reason}");
    }

    private static async Task<double> MeasureAsync(AuditBenchDatabase database, int perWriter, int perTransaction, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w =>
            Task.Run(() => database.AppendAsync($"writer-{w}", perWriter, perTransaction, cancellationToken), cancellationToken)));
        return Writers * perWriter / clock.Elapsed.TotalSeconds;
    }
}
