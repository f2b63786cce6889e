using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Reviewers deciding conditional requests at the owner: POST /api/sharing/requests/{id}/approve at dept-a goes to the
/// access-request saga over dept-a's broker and answers once the saga's transaction (new state, grant, outbox,
/// cancelled timeouts) committed. Measures that round trip one at a time and with 8 reviewers at once.
/// </summary>
public sealed class ReviewDecisionScenario : IScenario
{
    public string Name => "review decision through the saga";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        using var owner = await run.DeptA.HttpAsync();
        // One conditional record (有条件共享): every request for it waits for a reviewer.
        var record = JsonSerializer.SerializeToNode(RecordRow.Generate(run.RunId + "-review", 1).ToPush())!.AsObject();
        record["sharing"] = "conditional";
        using var pushed = await owner.PostJsonAsync("api/catalogue/records", record);
        pushed.EnsureSuccessStatusCode();
        var recordId = JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString()!;

        var token = await run.DeptB.TokenAsync();
        using var requester = new HttpClient { BaseAddress = run.DeptB.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        requester.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var count = run.Size(400, 60);
        var ids = new List<string>();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (ids.Count < count)
        {
            using var submitted = await requester.PostAsync("api/sharing/requests",
                new StringContent(JsonSerializer.Serialize(new { recordId, purpose = "benchmark review" }), System.Text.Encoding.UTF8, "application/json"), cancellationToken);
            if (submitted.StatusCode == HttpStatusCode.Accepted)
            {
                ids.Add(JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString()!);
            }
            else if (DateTime.UtcNow > until) throw new TimeoutException("dept-b never accepted requests for the benchmark record");
            else await Task.Delay(500, cancellationToken);
        }
        // All pending at dept-a before the clock starts.
        var pendingSince = DateTime.UtcNow;
        while (true)
        {
            var pending = JsonDocument.Parse(await owner.GetStringAsync("api/sharing/requests?role=incoming&status=pending-review&limit=1000", cancellationToken))
                .RootElement.EnumerateArray().Select(r => r.GetProperty("id").GetString()).ToHashSet();
            if (ids.All(pending.Contains)) break;
            if (DateTime.UtcNow - pendingSince > TimeSpan.FromSeconds(120)) throw new TimeoutException("requests never became pending at dept-a");
            await Task.Delay(500, cancellationToken);
        }

        var next = -1;
        using var reviewer = await run.DeptA.HttpAsync();
        async Task<bool> Approve()
        {
            var index = Interlocked.Increment(ref next);
            if (index >= ids.Count) return false;
            using var response = await reviewer.PostJsonAsync($"api/sharing/requests/{ids[index]}/approve", new { comment = "bench" });
            return response.StatusCode == HttpStatusCode.OK;
        }

        var single = await Measure(Approve, ids.Count / 3, workers: 1);
        var concurrent = await Measure(Approve, ids.Count - ids.Count / 3, workers: 8);
        run.Add(new Figure(Name, "p50 approve (one at a time)", single.P50, "ms"));
        run.Add(new Figure(Name, "p95 approve (one at a time)", single.P95, "ms"));
        run.Add(new Figure(Name, "approvals per second (8 reviewers)", concurrent.PerSecond, "req/s"));
        run.Add(new Figure(Name, "p50 approve (8 reviewers)", concurrent.P50, "ms"));
        run.Add(new Figure(Name, "p95 approve (8 reviewers)", concurrent.P95, "ms"));
        run.Add(new Figure(Name, "errors", single.Errors + concurrent.Errors, "requests"));
    }

    /// <summary>Makes <paramref name="times"/> calls with <paramref name="workers"/> at once (each request is approved once, so no time-boxed loop).</summary>
    private static async Task<(double P50, double P95, double PerSecond, int Errors)> Measure(Func<Task<bool>> call, int times, int workers)
    {
        var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
        var errors = 0;
        var remaining = times;
        var total = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, workers).Select(async _ =>
        {
            while (Interlocked.Decrement(ref remaining) >= 0)
            {
                var watch = Stopwatch.StartNew();
                if (await call()) latencies.Add(watch.Elapsed.TotalMilliseconds);
                else Interlocked.Increment(ref errors);
            }
        }));
        var sorted = latencies.Order().ToList();
        return (LoadGenerator.Percentile(sorted, 0.50), LoadGenerator.Percentile(sorted, 0.95), sorted.Count / total.Elapsed.TotalSeconds, errors);
    }
}
