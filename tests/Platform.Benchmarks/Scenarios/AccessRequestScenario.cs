using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Unconditional access requests across the two nodes, measured end to end as a requester sees them:
/// POST /api/sharing/requests at dept-b → the request routed to dept-a, decided and signed → the grant back at dept-b
/// → GET /api/sharing/grants/{id}/content, fetched from dept-a's gateway with the grant and masked.
/// </summary>
public sealed class AccessRequestScenario : IScenario
{
    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(10);

    public string Name => "access request to content";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        using var owner = await run.DeptA.HttpAsync();
        // Masking is part of every delivery measured here.
        using (var rule = await owner.PutAsync("api/sharing/rules/bench-masks", new StringContent(
            """{"sharing":"unconditional","fondsCode":"A012","masks":{"creator":"name","title":"id-card,phone"}}""", System.Text.Encoding.UTF8, "application/json"), cancellationToken))
        {
            rule.EnsureSuccessStatusCode();
        }
        var records = new List<string>();
        for (var i = 0; i < 8; i++)
        {
            using var pushed = await owner.PostJsonAsync("api/catalogue/records", RecordRow.Generate(run.RunId + "-share", i + 1).ToPush());
            pushed.EnsureSuccessStatusCode();
            records.Add(JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString()!);
        }

        var token = await run.DeptB.TokenAsync();
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = run.DeptB.Gateway, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        // Ready when dept-b can fetch content for every record (directory announced, records federated).
        foreach (var record in records)
        {
            var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
            while (!await RequestToContentAsync(http, record, cancellationToken))
            {
                if (DateTime.UtcNow > deadline) throw new TimeoutException($"record {record} never became fetchable at dept-b");
                await Task.Delay(500, cancellationToken);
            }
        }

        var next = 0;
        Task<bool> Call() => RequestToContentAsync(http, records[Interlocked.Increment(ref next) % records.Count], cancellationToken);

        var single = await LoadGenerator.RunAsync(Call, concurrency: 1, duration: run.Duration(15, 2), warmUp: TimeSpan.FromSeconds(1));
        var sustained = await LoadGenerator.RunAsync(Call, concurrency: 16, duration: run.Duration(20, 3), warmUp: run.Duration(2, 1));

        run.Add(new Figure(Name, "p50 request → content (one at a time)", single.P50Ms, "ms"));
        run.Add(new Figure(Name, "p95 request → content (one at a time)", single.P95Ms, "ms"));
        run.Add(new Figure(Name, "sustained requests → content", sustained.RequestsPerSecond, "req/s"));
        run.Add(new Figure(Name, "p50 request → content (16 concurrent)", sustained.P50Ms, "ms"));
        run.Add(new Figure(Name, "p95 request → content (16 concurrent)", sustained.P95Ms, "ms"));
        run.Add(new Figure(Name, "errors", single.Errors + sustained.Errors, "requests"));
    }

    /// <summary>One requester's full path: ask, wait for the grant (polling the request), fetch the masked content.</summary>
    internal static async Task<bool> RequestToContentAsync(HttpClient http, string recordId, CancellationToken cancellationToken)
    {
        using var submitted = await http.PostAsync("api/sharing/requests",
            new StringContent(JsonSerializer.Serialize(new { recordId, purpose = "benchmark audit" }), System.Text.Encoding.UTF8, "application/json"), cancellationToken);
        if (submitted.StatusCode != HttpStatusCode.Accepted) return false;
        var requestId = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString();

        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string? grantId = null;
        while (grantId is null)
        {
            if (DateTime.UtcNow > until) return false;
            await Task.Delay(Poll, cancellationToken);
            using var state = await http.GetAsync($"api/sharing/requests/{requestId}", cancellationToken);
            if (!state.IsSuccessStatusCode) return false;
            var body = JsonDocument.Parse(await state.Content.ReadAsStringAsync(cancellationToken)).RootElement;
            if (body.GetProperty("status").GetString() == "rejected") return false;
            if (body.GetProperty("grant").ValueKind == JsonValueKind.Object) grantId = body.GetProperty("grant").GetProperty("id").GetString();
        }
        using var content = await http.GetAsync($"api/sharing/grants/{grantId}/content", cancellationToken);
        return content.IsSuccessStatusCode;
    }
}
