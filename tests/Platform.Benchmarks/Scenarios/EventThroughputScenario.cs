using System.Diagnostics;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;
using Platform.Contracts;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Events through the transactional outbox: N RecordPublished rows committed into dept-a's catalogue outbox at once,
/// timed until dept-b's catalogue has consumed all N. Baseline: raw RabbitMQ publish with confirms, same message size.
/// </summary>
public sealed class EventThroughputScenario : IScenario
{
    public string Name => "events (outbox → peer)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var count = run.Size(20_000, 1_500);
        // 40 runs of 500 events: enough calls for the per-run methods to reach tier 1 (--quick: 6 runs, a smoke test of the path)
        var warmUp = run.Size(20_000, 3_000);
        var warmUpBodies = Bodies(run.RunId + "-warm", warmUp);
        var bodies = Bodies(run.RunId + "-ev", count);
        // The peer applies the events in order, so the wait polls for the last one's record (one primary-key probe, 0.7 ms) and
        // counts them all once at the end: counting the records published since the run began, every 100 ms, took the database
        // 250-540 ms of the 20,000-event run (up to 26 ms a poll near the end), which the CPU rows charged to the platform.
        var last = JsonSerializer.Deserialize<RecordPublished>(bodies[^1], JsonSerializerOptions.Web)!.RecordId;
        var size = bodies[0].Length + 600; // MassTransit's envelope adds about this much around the message

        // Warm-up: a smaller set through the same path first, then a pause until the processes are idle. Freshly started
        // services spend most of their first seconds of event traffic in the JIT (tiered recompilation of MassTransit's,
        // EF Core's and Npgsql's hot paths: 50-70% of each service's CPU, measured with perf); that is a one-off start-up
        // cost, not a cost per event.
        await CopyIntoOutboxAsync(run, warmUpBodies, cancellationToken);
        await WaitForFederatedAsync(run, $"{run.RunId}-warm-%", warmUp, null, cancellationToken);
        await CpuAccounting.WaitForQuietAsync(run, TimeSpan.FromSeconds(30), cancellationToken);
        // The raw baseline is measured here, on the same quiet machine as the timed run: measured before the warm-up, it
        // met the nodes still starting (or, in a full run, the previous scenario's fan-out) and read 9,900-30,000 msg/s.
        var raw = await Baselines.RabbitPublishAsync(run, count, size, cancellationToken);
        await CpuAccounting.WaitForQuietAsync(run, TimeSpan.FromSeconds(10), cancellationToken);
        await CheckpointAsync(run, cancellationToken);

        var cpu = CpuAccounting.Start(run);
        var watch = Stopwatch.StartNew();
        await CopyIntoOutboxAsync(run, bodies, cancellationToken);
        var consumed = await WaitForFederatedAsync(run, $"{run.RunId}-ev-%", count, last, cancellationToken);
        var rate = consumed / watch.Elapsed.TotalSeconds;
        run.Add(new Figure(Name, $"events/s published and consumed at the peer ({consumed:N0} of {count:N0})", rate, "ev/s",
            $"raw RabbitMQ publish+confirm ({size} B)", raw, "≥ 30% of raw"));
        cpu.Report(Name, consumed, "event");
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

    private static string[] Bodies(string prefix, int count) =>
        Enumerable.Range(0, count).Select(i => RecordRow.Generate(prefix, i).ToPublishedEvent()).ToArray();

    /// <summary>Commits RecordPublished <paramref name="bodies"/> into dept-a's catalogue outbox in one COPY, as a bulk ingest would.</summary>
    internal static async Task CopyIntoOutboxAsync(BenchmarkRun run, string[] bodies, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(run.DeptA.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync(cancellationToken);
        await using var copy = await connection.BeginBinaryImportAsync(
            "COPY outbox_messages (message_id, message_type, body, created_at, attempts) FROM STDIN (FORMAT BINARY)", cancellationToken);
        foreach (var body in bodies)
        {
            await copy.StartRowAsync(cancellationToken);
            await copy.WriteAsync(Guid.CreateVersion7(), NpgsqlDbType.Uuid, cancellationToken);
            await copy.WriteAsync(typeof(RecordPublished).FullName!, NpgsqlDbType.Text, cancellationToken);
            await copy.WriteAsync(body, NpgsqlDbType.Jsonb, cancellationToken);
            await copy.WriteAsync(DateTimeOffset.UtcNow, NpgsqlDbType.TimestampTz, cancellationToken);
            await copy.WriteAsync(0, NpgsqlDbType.Integer, cancellationToken);
        }
        await copy.CompleteAsync(cancellationToken);
    }

    /// <summary>
    /// Waits until dept-b's catalogue has federated <paramref name="count"/> records whose external id matches; returns how many
    /// it has. With <paramref name="last"/>, first waits for that record, then counts; while records are missing (or without
    /// <paramref name="last"/>, as in the warm-up), polls the count.
    /// </summary>
    private static async Task<long> WaitForFederatedAsync(BenchmarkRun run, string pattern, int count, Guid? last,
        CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
        if (last is { } id)
        {
            while (await CountFederatedAsync(run, "record_id = @value", id, cancellationToken) == 0 && DateTime.UtcNow < deadline)
            {
                await Task.Delay(100, cancellationToken);
            }
        }
        long consumed;
        while ((consumed = await FederatedCountAsync(run, pattern, cancellationToken)) < count && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100, cancellationToken);
        }
        return consumed;
    }

    private static Task<long> FederatedCountAsync(BenchmarkRun run, string pattern, CancellationToken cancellationToken) =>
        CountFederatedAsync(run, "metadata->>'externalId' LIKE @value", pattern, cancellationToken);

    private static async Task<long> CountFederatedAsync(BenchmarkRun run, string condition, object value, CancellationToken cancellationToken)
    {
        await using var connection = new NpgsqlConnection(run.DeptB.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand($"SELECT count(*) FROM federated_records WHERE {condition}", connection);
        command.Parameters.AddWithValue("value", value);
        return (long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
