using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Npgsql;
using NpgsqlTypes;
using Platform.Contracts;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Webhook deliveries from dept-b's notification service to a local Kestrel receiver. Throughput: N RecordPublished
/// events committed at once into dept-a's catalogue outbox, timed until the receiver has all N (with 1 subscription,
/// whose deliveries go strictly one after another, and with 8). Latency: records pushed one at a time through dept-a's
/// gateway at a steady rate, the path a department's system takes (the push's commit wakes the outbox dispatcher);
/// event-to-delivery = receiver arrival − the event's occurredAt. (Rows inserted straight into the outbox, as this
/// scenario once did, wake no dispatcher and wait for its 1 s poll: p50 ~570 ms, p95 ~1,020 ms of mostly that wait.)
/// Baseline: plain sequential HTTP POSTs of the same body to the same receiver.
/// </summary>
public sealed class WebhookDeliveryScenario : IScenario
{
    private static readonly string[] RecordPublishedOnly = ["record.published"];

    public string Name => "webhook deliveries";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var receiver = await Receiver.StartAsync();
        using var deptA = await run.DeptA.HttpAsync();
        using var deptB = await run.DeptB.HttpAsync();
        // One subscription is delivered to in order, one at a time (~20/s here): quick runs keep that burst small.
        int Burst(int subscriptions) => subscriptions == 1 ? run.Size(1_000, 100) : run.Size(5_000, 300);

        var sample = Row(run, "RAW", 0).ToPublishedEvent();
        var raw = await RawPostsPerSecondAsync(receiver, sample, run.Size(5_000, 300), cancellationToken);

        foreach (var subscriptions in new[] { 1, 8 })
        {
            var fonds = $"W{subscriptions}{run.RunId[1..5].ToUpperInvariant()}";
            for (var i = 0; i < subscriptions; i++) await SubscribeAsync(deptA, receiver, fonds);
            receiver.Reset();
            var watch = Stopwatch.StartNew();
            var count = Burst(subscriptions);
            await CopyIntoOutboxAsync(run, Enumerable.Range(0, count).Select(i => Row(run, fonds, i).ToPublishedEvent()).ToArray(), cancellationToken);
            var expected = count * subscriptions;
            var deadline = DateTime.UtcNow + TimeSpan.FromMinutes(10);
            while (receiver.Count < expected && DateTime.UtcNow < deadline) await Task.Delay(50, cancellationToken);
            var rate = receiver.Count / watch.Elapsed.TotalSeconds;
            run.Add(new Figure(Name, $"deliveries/s, event burst → receiver, {subscriptions} subscription(s) ({receiver.Count:N0} of {expected:N0})",
                rate, "del/s", "plain sequential HTTP POST", raw, subscriptions == 1 ? "ordered: one at a time" : "≥ 500 del/s"));
        }

        // A light steady rate shows the path's own latency; 50/s one push at a time is close to what this 2-core machine
        // sustains with every event's fan-out (8 consumers), so there the pushes themselves start to queue.
        await MeasureLatencyAsync(run, receiver, deptA, deptB, perSecond: 10, run.Size(200, 30), target: null, cancellationToken);
        await MeasureLatencyAsync(run, receiver, deptA, deptB, perSecond: 50, run.Size(1_000, 100), target: "≤ 1,000 ms", cancellationToken);
    }

    private async Task MeasureLatencyAsync(BenchmarkRun run, Receiver receiver, HttpClient deptA, HttpClient deptB, int perSecond, int events,
        string? target, CancellationToken cancellationToken)
    {
        var fonds = $"L{perSecond}{run.RunId[1..5].ToUpperInvariant()}";
        await SubscribeAsync(deptB, receiver, fonds);
        receiver.Reset();
        var interval = TimeSpan.FromSeconds(1.0 / perSecond);
        var pacing = Stopwatch.StartNew();
        var pushes = new List<Task<(bool Pushed, double Milliseconds)>>(events);
        for (var i = 0; i < events; i++)
        {
            pushes.Add(PushAsync(deptA, Row(run, fonds, i), cancellationToken));
            var next = interval * (i + 1) - pacing.Elapsed;
            if (next > TimeSpan.Zero) await Task.Delay(next, cancellationToken);
        }
        var pushed = await Task.WhenAll(pushes);
        var pushLatencies = pushed.Select(p => p.Milliseconds).Order().ToList();
        var until = DateTime.UtcNow + TimeSpan.FromMinutes(2);
        while (receiver.Count < events && DateTime.UtcNow < until) await Task.Delay(50, cancellationToken);
        var latencies = receiver.Latencies.Order().ToList();
        run.Add(new Figure(Name, $"event-to-delivery p50 at {perSecond} pushes/s ({latencies.Count:N0} of {events:N0})",
            LoadGenerator.Percentile(latencies, 0.50), "ms"));
        run.Add(new Figure(Name, $"event-to-delivery p95 at {perSecond} pushes/s", LoadGenerator.Percentile(latencies, 0.95), "ms", Target: target));
        run.Add(new Figure(Name, $"push p95 (request → 201) at {perSecond} pushes/s", LoadGenerator.Percentile(pushLatencies, 0.95), "ms"));
        run.Add(new Figure(Name, $"pushes failed at {perSecond} pushes/s", pushed.Count(p => !p.Pushed), "records"));
    }

    private static async Task<(bool Pushed, double Milliseconds)> PushAsync(HttpClient deptA, RecordRow row, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        using var response = await deptA.PostAsJsonAsync("api/catalogue/records", row.ToPush(), cancellationToken);
        return (response.IsSuccessStatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
    }

    /// <summary>Record <paramref name="i"/> of fonds <paramref name="fonds"/> (what a subscription selects by).</summary>
    private static RecordRow Row(BenchmarkRun run, string fonds, int i) =>
        RecordRow.Generate($"{run.RunId}-{fonds}", i) with { FondsCode = fonds, ArchivalCode = $"{fonds}-2023-Y-{i + 1}" };

    private static async Task SubscribeAsync(HttpClient deptB, Receiver receiver, string fonds)
    {
        using var response = await deptB.PostAsJsonAsync("api/notify/subscriptions", new
        {
            channel = "webhook",
            eventTypes = RecordPublishedOnly,
            url = receiver.Url,
            filters = new { fonds = new[] { fonds } },
        }, JsonSerializerOptions.Web);
        if (!response.IsSuccessStatusCode) throw new InvalidOperationException($"Subscribing failed: {await response.Content.ReadAsStringAsync()}");
    }

    private static async Task<double> RawPostsPerSecondAsync(Receiver receiver, string body, int count, CancellationToken cancellationToken)
    {
        using var http = new HttpClient();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < count; i++)
        {
            using var content = new StringContent(body, System.Text.Encoding.UTF8, "application/json");
            using var response = await http.PostAsync(receiver.Url, content, cancellationToken);
            response.EnsureSuccessStatusCode();
        }
        return count / watch.Elapsed.TotalSeconds;
    }

    /// <summary>A Kestrel receiver that counts deliveries and notes each one's delay since the event occurred.</summary>
    internal sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private ConcurrentBag<double> _latencies = [];
        private int _count;

        private Receiver(WebApplication app) => _app = app;

        public string Url => _app.Urls.First() + "/hook";
        public int Count => Volatile.Read(ref _count);
        public IReadOnlyCollection<double> Latencies => _latencies;

        public void Reset()
        {
            Interlocked.Exchange(ref _count, 0);
            _latencies = [];
        }

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", async (HttpRequest request) =>
            {
                var arrived = DateTimeOffset.UtcNow;
                using var body = await JsonDocument.ParseAsync(request.Body);
                if (body.RootElement.TryGetProperty("data", out var data) && data.TryGetProperty("occurredAt", out var occurred))
                {
                    receiver._latencies.Add((arrived - occurred.GetDateTimeOffset()).TotalMilliseconds);
                }
                Interlocked.Increment(ref receiver._count);
                return Results.NoContent();
            });
            await app.StartAsync();
            return receiver;
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }

    /// <summary>Commits RecordPublished <paramref name="bodies"/> into dept-a's catalogue outbox in one COPY, as a bulk ingest would:
    /// dept-a's own subscriptions are delivered to (record events stay inside their node; peers see announcements).</summary>
    private static async Task CopyIntoOutboxAsync(BenchmarkRun run, string[] bodies, CancellationToken cancellationToken)
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
}
