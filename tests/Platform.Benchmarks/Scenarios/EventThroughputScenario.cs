using System.Diagnostics;
using Npgsql;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Announcements to a peer: N of dept-a's records, pushed and announced once beforehand, are put up for announcing again
/// (due, their announced view forgotten, as after a rule change), timed until dept-b's catalogue holds the new revision of
/// all N. The path is the announcer's: one question to the sharing service per 500 records, announcement batches into the
/// outbox, the outbox's publish, the hub, dept-b's consumers. Baseline: raw RabbitMQ publish with confirms, same message size.
/// </summary>
public sealed class EventThroughputScenario : IScenario
{
    public string Name => "events (announcer → peer)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var count = run.Size(20_000, 1_500);
        // 40 runs of 500 events: enough calls for the per-run methods to reach tier 1 (--quick: 6 runs, a smoke test of the path)
        var warmUp = run.Size(20_000, 3_000);
        var warmUpIds = await PushAsync(run, run.RunId + "-warm", warmUp, cancellationToken);
        var ids = await PushAsync(run, run.RunId + "-ev", count, cancellationToken);
        // The peer applies the records in order, so the wait probes the last one's revision (one primary-key lookup) and counts
        // them all once at the end: counting every 100 ms would charge the platform's CPU rows with the benchmark's own queries.
        await WaitForRevisionAsync(run, ids, 1, cancellationToken);
        var size = RecordRow.Generate(run.RunId, 0).ToPublishedEvent().Length + 600; // MassTransit's envelope adds about this much

        // Warm-up: a re-announcement of other records through the same path, then a pause until the processes are idle.
        // Freshly started services spend most of their first seconds of event traffic in the JIT (tiered recompilation of
        // MassTransit's, EF Core's and Npgsql's hot paths); that is a one-off start-up cost, not a cost per event.
        await MarkDueAsync(run, warmUpIds, cancellationToken);
        await WaitForRevisionAsync(run, warmUpIds, 2, cancellationToken);
        await CpuAccounting.WaitForQuietAsync(run, TimeSpan.FromSeconds(30), cancellationToken);
        // The raw baseline is measured here, on the same quiet machine as the timed run.
        var raw = await Baselines.RabbitPublishAsync(run, count, size, cancellationToken);
        await CpuAccounting.WaitForQuietAsync(run, TimeSpan.FromSeconds(10), cancellationToken);
        await CheckpointAsync(run, cancellationToken);

        var cpu = CpuAccounting.Start(run);
        var watch = Stopwatch.StartNew();
        await MarkDueAsync(run, ids, cancellationToken);
        var consumed = await WaitForRevisionAsync(run, ids, 2, cancellationToken);
        var rate = consumed / watch.Elapsed.TotalSeconds;
        run.Add(new Figure(Name, $"records/s announced (policy view) and applied at the peer ({consumed:N0} of {count:N0})", rate, "ev/s",
            $"raw RabbitMQ publish+confirm ({size} B)", raw, "≥ 30% of raw"));
        cpu.Report(Name, consumed, "event");
    }

    /// <summary>Pushes <paramref name="count"/> records through dept-a's batch API; returns their ids in push order.</summary>
    private static async Task<Guid[]> PushAsync(BenchmarkRun run, string prefix, int count, CancellationToken cancellationToken)
    {
        using var http = await run.DeptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(5);
        var ids = new List<Guid>(count);
        foreach (var batch in Enumerable.Range(0, count).Select(i => RecordRow.Generate(prefix, i)).Chunk(BatchIngestionScenario.BatchSize))
        {
            using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records = batch.Select(r => r.ToPush()).ToArray() });
            response.EnsureSuccessStatusCode();
            ids.AddRange((await response.ReadJsonAsync()).GetProperty("results").EnumerateArray()
                .Select(r => r.GetProperty("record").GetProperty("id").GetGuid()));
        }
        cancellationToken.ThrowIfCancellationRequested();
        return [.. ids];
    }

    /// <summary>Puts the records up for announcing again with their announced view forgotten, as a rule change does.</summary>
    private static async Task MarkDueAsync(BenchmarkRun run, Guid[] ids, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(run.DeptA.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("UPDATE record_announcements SET due = true, announced_hash = NULL WHERE record_id = ANY(@ids)", connection);
        command.Parameters.AddWithValue("ids", ids);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// A checkpoint after the warm-up, so the timed run reuses the warm-up's WAL segments as a server that has been running
    /// for a while does. The benchmark's cluster is new: without one, every 16 MB segment the run filled was first created
    /// and written full of zeros by a committing backend (XLogFileInit, 26% of the database's CPU samples in the timed run,
    /// perf), a cost a running server pays only while its WAL grows.
    /// </summary>
    private static async Task CheckpointAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(run.PostgresServer);
        await connection.OpenAsync(cancellationToken);
        await using var checkpoint = new NpgsqlCommand("CHECKPOINT", connection);
        await checkpoint.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Waits until dept-b's catalogue holds every record of <paramref name="ids"/> at <paramref name="revision"/> or later; returns
    /// how many it holds. Probes the last record first, then counts.
    /// </summary>
    private static async Task<long> WaitForRevisionAsync(BenchmarkRun run, Guid[] ids, int revision, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        while (await CountAtPeerAsync(run, [ids[^1]], revision, cancellationToken) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }
        long consumed;
        while ((consumed = await CountAtPeerAsync(run, ids, revision, cancellationToken)) < ids.Length && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }
        return consumed;
    }

    private static async Task<long> CountAtPeerAsync(BenchmarkRun run, Guid[] ids, int revision, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(run.DeptB.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand("SELECT count(*) FROM federated_records WHERE record_id = ANY(@ids) AND version >= @revision", connection);
        command.Parameters.AddWithValue("ids", ids);
        command.Parameters.AddWithValue("revision", revision);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
