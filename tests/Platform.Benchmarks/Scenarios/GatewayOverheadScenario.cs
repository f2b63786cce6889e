using System.Net.Http.Headers;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>The same authenticated read through the node's YARP gateway and straight to the catalogue service.</summary>
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

        var direct = await MeasureAsync(run, run.DeptA.ServiceUrl("catalogue"), token, path);
        var gateway = await MeasureAsync(run, run.DeptA.Gateway, token, path);

        run.Add(new Figure(Name, "RPS through gateway", gateway.RequestsPerSecond, "req/s", "direct to service", direct.RequestsPerSecond, "≥ 70% of direct"));
        run.Add(new Figure(Name, "p50 through gateway", gateway.P50Ms, "ms", "direct p50", direct.P50Ms, "< 1 ms added"));
        run.Add(new Figure(Name, "p99 through gateway", gateway.P99Ms, "ms", "direct p99", direct.P99Ms));
        run.Add(new Figure(Name, "p50 added by gateway", gateway.P50Ms - direct.P50Ms, "ms", Target: "< 1 ms"));
        run.Add(new Figure(Name, "errors", gateway.Errors + direct.Errors, "requests"));
    }

    private static async Task<LoadGenerator.Result> MeasureAsync(BenchmarkRun run, Uri baseAddress, string token, string path)
    {
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await LoadGenerator.RunAsync(async () =>
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode;
        }, concurrency: 32, duration: run.Duration(10, 4), warmUp: TimeSpan.FromSeconds(2));
    }
}
