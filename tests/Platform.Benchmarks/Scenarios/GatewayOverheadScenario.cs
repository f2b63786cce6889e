using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// The same authenticated read through the node's YARP gateway and straight to the catalogue service: throughput
/// with 32 concurrent callers (the machine saturated), and latency with one caller at a time, where the time a
/// request waits for a core does not drown what the gateway adds.
/// </summary>
public sealed class GatewayOverheadScenario : IScenario
{
    public string Name => "gateway overhead";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var token = await run.DeptA.TokenAsync();
        using var setup = await run.DeptA.HttpAsync();
        using var pushed = await setup.PostJsonAsync("api/catalogue/records", RecordRow.Generate(run.RunId + "-gw", 1).ToPush());
        var id = JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString();
        var path = $"api/catalogue/records/{id}";

        var direct = await MeasureAsync(run, run.DeptA.ServiceUrl("catalogue"), token, path, concurrency: 32);
        var gateway = await MeasureAsync(run, run.DeptA.Gateway, token, path, concurrency: 32);
        var directAlone = await MeasureAsync(run, run.DeptA.ServiceUrl("catalogue"), token, path, concurrency: 1);
        var gatewayAlone = await MeasureAsync(run, run.DeptA.Gateway, token, path, concurrency: 1);

        run.Add(new Figure(Name, "RPS through gateway (32 callers)", gateway.RequestsPerSecond, "req/s", "direct to service", direct.RequestsPerSecond, "≥ 70% of direct"));
        run.Add(new Figure(Name, "p50 through gateway (32 callers)", gateway.P50Ms, "ms", "direct p50", direct.P50Ms));
        run.Add(new Figure(Name, "p50 through gateway (1 caller)", gatewayAlone.P50Ms, "ms", "direct p50", directAlone.P50Ms));
        run.Add(new Figure(Name, "p99 through gateway (1 caller)", gatewayAlone.P99Ms, "ms", "direct p99", directAlone.P99Ms));
        run.Add(new Figure(Name, "p50 added by gateway (1 caller)", gatewayAlone.P50Ms - directAlone.P50Ms, "ms", Target: "< 1 ms"));
        run.Add(new Figure(Name, "errors", gateway.Errors + direct.Errors + gatewayAlone.Errors + directAlone.Errors, "requests"));
    }

    private static async Task<LoadGenerator.Result> MeasureAsync(BenchmarkRun run, Uri baseAddress, string token, string path, int concurrency)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await LoadGenerator.RunAsync(async () =>
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode;
        }, concurrency, duration: run.Duration(10, 2), warmUp: run.Duration(2, 1));
    }
}
