using System.Globalization;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Sustained mixed load for a bounded time (60 s, 15 s with --quick), all at once: dept-a's system pushes records,
/// its users search, dept-b's users ask for dept-a's records and fetch the content, and every pushed record is
/// delivered as a webhook to a receiver subscribed at dept-b. Reports each kind's throughput, the errors (target 0)
/// and every process's RSS at the start and end of the load (flat memory: end ÷ start).
/// </summary>
public sealed class MixedLoadScenario : IScenario
{
    private static readonly string[] RecordPublishedOnly = ["record.published"];

    public string Name => "mixed load";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var receiver = await WebhookDeliveryScenario.Receiver.StartAsync();
        var fonds = "M" + RandomNumberGenerator.GetHexString(7, false);
        using var owner = await run.DeptA.HttpAsync();
        using var requester = await run.DeptB.HttpAsync();
        using (var subscribed = await requester.PostAsJsonAsync("api/notify/subscriptions", new
        {
            channel = "webhook",
            eventTypes = RecordPublishedOnly,
            url = receiver.Url,
            filters = new { fonds = new[] { fonds } },
        }, JsonSerializerOptions.Web, cancellationToken))
        {
            subscribed.EnsureSuccessStatusCode();
        }

        // Records for dept-b to request, fetchable before the clock starts.
        var shared = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            using var created = await owner.PostAsJsonAsync("api/catalogue/records", Row(run, fonds, i), cancellationToken);
            created.EnsureSuccessStatusCode();
            shared.Add(JsonDocument.Parse(await created.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString()!);
        }
        using var requests = Client(run.DeptB.Gateway, await run.DeptB.TokenAsync());
        foreach (var record in shared)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (!await AccessRequestScenario.RequestToContentAsync(requests, record, cancellationToken))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"record {record} never became fetchable at dept-b");
                await Task.Delay(500, cancellationToken);
            }
        }
        var deliveriesBefore = await WaitForDeliveriesAsync(receiver, shared.Count, TimeSpan.FromSeconds(30), cancellationToken);

        var start = Rss(run);
        using var pushes = Client(run.DeptA.Gateway, await run.DeptA.TokenAsync());
        using var searches = Client(run.DeptA.Gateway, await run.DeptA.TokenAsync());
        var pushed = 0;
        var serial = 1_000;
        var next = 0;
        var duration = run.Duration(60, 6);
        var warmUp = TimeSpan.FromSeconds(1);

        async Task<bool> Push()
        {
            using var response = await pushes.PostAsJsonAsync("api/catalogue/records", Row(run, fonds, Interlocked.Increment(ref serial)), cancellationToken);
            if (!response.IsSuccessStatusCode) return false;
            Interlocked.Increment(ref pushed);
            return true;
        }

        async Task<bool> Search()
        {
            using var response = await searches.GetAsync("api/catalogue/records?q=" + Uri.EscapeDataString("档案数字化") + "&pageSize=20", cancellationToken);
            return response.IsSuccessStatusCode;
        }

        Task<bool> Request() =>
            AccessRequestScenario.RequestToContentAsync(requests, shared[Interlocked.Increment(ref next) % shared.Count], cancellationToken);

        var watch = System.Diagnostics.Stopwatch.StartNew();
        var results = await Task.WhenAll(
            LoadGenerator.RunAsync(Push, concurrency: 4, duration, warmUp),
            LoadGenerator.RunAsync(Search, concurrency: 4, duration, warmUp),
            LoadGenerator.RunAsync(Request, concurrency: 4, duration, warmUp));
        var loadEnded = watch.Elapsed;
        var end = Rss(run);
        var backlog = deliveriesBefore + Volatile.Read(ref pushed) - receiver.Count;

        // Every push that was acknowledged is delivered (the deliveries may finish a little after the load stops).
        var expected = deliveriesBefore + Volatile.Read(ref pushed);
        var delivered = await WaitForDeliveriesAsync(receiver, expected, TimeSpan.FromMinutes(2), cancellationToken);
        var deliveredIn = watch.Elapsed;

        var (push, search, request) = (results[0], results[1], results[2]);
        run.Add(new Figure(Name, $"pushes through the gateway ({duration.TotalSeconds:0} s, 4 callers)", push.RequestsPerSecond, "req/s"));
        run.Add(new Figure(Name, "push p95", push.P95Ms, "ms"));
        run.Add(new Figure(Name, "searches (4 callers)", search.RequestsPerSecond, "req/s"));
        run.Add(new Figure(Name, "search p95", search.P95Ms, "ms"));
        run.Add(new Figure(Name, "requests → content (4 callers)", request.RequestsPerSecond, "req/s"));
        run.Add(new Figure(Name, "request → content p95", request.P95Ms, "ms"));
        run.Add(new Figure(Name, $"webhook deliveries ({delivered - deliveriesBefore:N0} of {expected - deliveriesBefore:N0} pushes delivered)",
            (delivered - deliveriesBefore) / deliveredIn.TotalSeconds, "del/s"));
        run.Add(new Figure(Name, "webhook backlog when the load stopped", backlog, "deliveries"));
        run.Add(new Figure(Name, "time to drain it", (deliveredIn - loadEnded).TotalSeconds, "s"));
        run.Add(new Figure(Name, "errors (all kinds) + undelivered", push.Errors + search.Errors + request.Errors + (expected - delivered), "errors", Target: "0"));
        foreach (var (process, startMb) in start)
        {
            if (!end.TryGetValue(process, out var endMb)) continue;
            run.Add(new Figure(Name, $"RSS {process} at end of load", endMb, "MB", "RSS at start of load", startMb, "flat (≤ 1.5× start)"));
        }
    }

    private static object Row(BenchmarkRun run, string fonds, int i)
    {
        var row = RecordRow.Generate($"{run.RunId}-{fonds}", i) with { FondsCode = fonds, ArchivalCode = $"{fonds}-2023-Y-{i:D6}" };
        return row.ToPush();
    }

    private static HttpClient Client(Uri gateway, string token)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<int> WaitForDeliveriesAsync(WebhookDeliveryScenario.Receiver receiver, int expected, TimeSpan patience, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + patience;
        while (receiver.Count < expected && DateTime.UtcNow < deadline) await Task.Delay(100, cancellationToken);
        return receiver.Count;
    }

    /// <summary>VmRSS in MB of every process of both nodes, read from /proc.</summary>
    private static Dictionary<string, double> Rss(BenchmarkRun run)
    {
        var rss = new Dictionary<string, double>();
        foreach (var node in new[] { run.DeptA, run.DeptB })
        {
            foreach (var (process, pid) in node.ProcessIds)
            {
                var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
                if (line is null) continue;
                rss[$"{node.Id} {process}"] = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024;
            }
        }
        return rss;
    }
}
