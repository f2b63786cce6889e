using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Chinese full-text search through dept-a's gateway over the records <see cref="BatchIngestionScenario"/> left
/// there (100,000; quick: 5,000), 4 concurrent callers, page of 20: a mix of selective and broad queries, and
/// the broadest query (a word in every record) on its own. It first waits (bounded) until the fan-out of the ingested
/// records' events has drained from every queue, so that search is measured on its own, not under that backlog; the
/// drain time is reported too.
/// </summary>
public sealed class SearchLatencyScenario : IScenario
{
    private static readonly string[] Mixed = ["档案数字化", "人事任免", "财务预算工作", "社会保障", "环境", "土地规划 通知", "第4711号", "教育发展"];

    public string Name => "search (over the batch-ingested records)";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var drain = System.Diagnostics.Stopwatch.StartNew();
        var left = await WaitForEmptyQueuesAsync(run, run.Duration(600, 30), cancellationToken);
        run.Add(new Figure(Name, $"event backlog drained before searching ({left:N0} messages left)", drain.Elapsed.TotalSeconds, "s"));

        using var http = await run.DeptA.HttpAsync();
        // The search API counts matches only up to 1,000; the department's quality report counts every record.
        var records = (await http.GetJsonAsync("api/catalogue/quality")).GetProperty("records").GetInt32();
        run.Add(new Figure(Name, "records searched", records, "records"));

        var i = 0;
        var mixed = await LoadGenerator.RunAsync(async () =>
        {
            var q = Mixed[Interlocked.Increment(ref i) % Mixed.Length];
            using var response = await http.GetAsync($"api/catalogue/records?q={Uri.EscapeDataString(q)}&pageSize=20", cancellationToken);
            return response.IsSuccessStatusCode;
        }, concurrency: 4, run.Duration(20, 4), run.Duration(2, 1));
        run.Add(new Figure(Name, "mixed queries p50", mixed.P50Ms, "ms"));
        run.Add(new Figure(Name, "mixed queries p95", mixed.P95Ms, "ms", Target: "< 50 ms"));
        run.Add(new Figure(Name, "mixed queries throughput", mixed.RequestsPerSecond, "req/s"));
        run.Add(new Figure(Name, "mixed queries errors", mixed.Errors, "requests"));

        var broad = await LoadGenerator.RunAsync(async () =>
        {
            using var response = await http.GetAsync($"api/catalogue/records?q={Uri.EscapeDataString("档案")}&pageSize=20", cancellationToken);
            return response.IsSuccessStatusCode;
        }, concurrency: 4, run.Duration(10, 2), TimeSpan.FromSeconds(1));
        run.Add(new Figure(Name, "broadest query (matches every record) p50", broad.P50Ms, "ms"));
        run.Add(new Figure(Name, "broadest query (matches every record) p95", broad.P95Ms, "ms"));
    }

    /// <summary>Waits until RabbitMQ's input queues hold no message (management API), at most <paramref name="limit"/>; returns what is left.</summary>
    internal static async Task<long> WaitForEmptyQueuesAsync(BenchmarkRun run, TimeSpan limit, CancellationToken cancellationToken)
    {
        using var http = run.ManagementClient();
        var deadline = DateTime.UtcNow + limit;
        long messages;
        do
        {
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            using var queues = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync("api/queues", cancellationToken));
            // Error and skipped queues keep their messages for operators; they are not backlog.
            messages = queues.RootElement.EnumerateArray()
                .Where(q => q.GetProperty("name").GetString() is { } name && !name.EndsWith("_error", StringComparison.Ordinal) && !name.EndsWith("_skipped", StringComparison.Ordinal))
                .Sum(q => q.TryGetProperty("messages", out var m) && m.ValueKind == System.Text.Json.JsonValueKind.Number ? m.GetInt64() : 0);
        }
        while (messages > 0 && DateTime.UtcNow < deadline);
        return messages;
    }
}
