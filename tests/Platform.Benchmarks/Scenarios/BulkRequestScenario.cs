using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Bulk requests across the two nodes, as the requester sees them: POST /api/sharing/bulk-requests at dept-b for a
/// selection of dept-a's unconditional records → dept-a lists them → dept-b requests each → every grant back at
/// dept-b. Measured from the POST until GET /api/sharing/bulk-requests/{id} shows every record approved with its grant.
/// The selection is as large as the nodes' Sharing:BulkMaxRecords allows (20 on the test nodes).
/// </summary>
public sealed class BulkRequestScenario : IScenario
{
    private const int Records = 20;

    public string Name => "bulk request to grants";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        using var owner = await run.DeptA.HttpAsync();
        var fonds = ("B" + run.RunId).ToUpperInvariant(); // the catalogue keeps fonds codes in upper case
        var rows = Enumerable.Range(1, Records).Select(i => RecordRow.Generate(run.RunId + "-bulk", i) with { FondsCode = fonds, Category = "personnel" })
            .Select(r => r.ToPush()).ToList();
        using (var pushed = await owner.PostJsonAsync("api/catalogue/records/batch", new { records = rows }))
        {
            pushed.EnsureSuccessStatusCode();
        }
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(120);
        while ((await owner.GetJsonAsync("api/sharing/records")).EnumerateArray().Count(r => r.GetProperty("fondsCode").GetString() == fonds) < Records)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException("dept-a's sharing policy never learnt the records");
            await Task.Delay(200, cancellationToken);
        }

        using var http = new HttpClient { BaseAddress = run.DeptB.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await run.DeptB.TokenAsync());
        var latencies = new List<double>();
        var errors = 0;
        var rounds = run.Size(10, 3);
        for (var round = 0; round <= rounds; round++)
        {
            var watch = Stopwatch.StartNew();
            var granted = await BulkToGrantsAsync(http, fonds, cancellationToken);
            watch.Stop();
            if (round == 0) continue; // warm-up
            if (granted) latencies.Add(watch.Elapsed.TotalMilliseconds);
            else errors++;
        }
        latencies.Sort();
        var p50 = LoadGenerator.Percentile(latencies, 0.50);
        run.Add(new Figure(Name, $"p50 bulk request of {Records} records → all granted", p50, "ms"));
        run.Add(new Figure(Name, $"p95 bulk request of {Records} records → all granted", LoadGenerator.Percentile(latencies, 0.95), "ms"));
        run.Add(new Figure(Name, "records granted per second (one bulk request at a time)", Records / (p50 / 1000), "records/s"));
        run.Add(new Figure(Name, "errors", errors, "bulk requests"));
    }

    private static async Task<bool> BulkToGrantsAsync(HttpClient http, string fonds, CancellationToken cancellationToken)
    {
        using var submitted = await http.PostAsync("api/sharing/bulk-requests", new StringContent(
            JsonSerializer.Serialize(new { ownerDepartment = "dept-a", fondsCode = fonds, category = "personnel", purpose = "benchmark audit" }),
            System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        if (!submitted.IsSuccessStatusCode) return false;
        var id = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString();
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < until)
        {
            await Task.Delay(20, cancellationToken);
            var bulk = await http.GetJsonAsync($"api/sharing/bulk-requests/{id}?pageSize={Records}");
            if (bulk.GetProperty("status").GetString() == "rejected") return false;
            if (bulk.GetProperty("records").ValueKind == JsonValueKind.Object
                && bulk.GetProperty("records").GetProperty("items").EnumerateArray().Count(r => r.GetProperty("grant").ValueKind == JsonValueKind.Object) == Records)
            {
                return true;
            }
        }
        return false;
    }
}
