using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Platform.Tests.Infrastructure;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// What accepting an external OIDC provider's tokens costs: the same authenticated read through a dept-a gateway and
/// catalogue configured against a Keycloak-shaped issuer (run in process), once with the provider's RS256 token
/// (selector, JWKS validation and claim mapping in both processes) and once with the node's own token.
/// </summary>
public sealed class ExternalTokenScenario : IScenario
{
    public string Name => "external token";

    // Starts two extra processes: a third of a quick run for a figure that is not among the issue's targets.
    public bool InQuickRun => false;

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        await using var issuer = await OidcIssuer.StartAsync("dept-a");
        var settings = new Dictionary<string, string>
        {
            ["Auth__External__Authority"] = issuer.Issuer,
            ["Auth__External__Audience"] = "archive-platform",
            ["Auth__External__RoleClaim"] = "resource_access.archive-platform.roles",
            ["Auth__External__RoleMap__archive-publisher"] = "publisher",
            ["Auth__External__Department"] = "dept-a",
        };
        // Own virtual host: the extra catalogue must not compete for dept-a's queues.
        var virtualHost = await CreateVirtualHostAsync(run, $"{run.RunId}-oidc", cancellationToken);
        var catalogue = await run.DeptA.StartVariantAsync("catalogue", "oidc", virtualHost, settings);
        settings["ReverseProxy__Clusters__catalogue__Destinations__primary__Address"] = catalogue.ToString();
        var gateway = await run.DeptA.StartVariantAsync("gateway", "oidc", virtualHost, settings);

        var external = issuer.Mint(new TokenRequest { ClientRoles = ["archive-publisher"], Expires = DateTime.UtcNow.AddHours(2) });
        var node = await run.DeptA.TokenAsync();
        string path;
        using (var setup = Client(gateway, external))
        {
            using var pushed = await setup.PostJsonAsync("api/catalogue/records", RecordRow.Generate(run.RunId + "-oidc", 1).ToPush());
            pushed.EnsureSuccessStatusCode();
            path = $"api/catalogue/records/{JsonDocument.Parse(await pushed.Content.ReadAsStringAsync(cancellationToken)).RootElement.GetProperty("id").GetString()}";
        }

        var nodeMany = await MeasureAsync(run, gateway, node, path, 32);
        var externalMany = await MeasureAsync(run, gateway, external, path, 32);
        var nodeAlone = await MeasureAsync(run, gateway, node, path, 1);
        var externalAlone = await MeasureAsync(run, gateway, external, path, 1);

        run.Add(new Figure(Name, "RPS with external token (32 callers)", externalMany.RequestsPerSecond, "req/s", "node token", nodeMany.RequestsPerSecond, "≥ 90% of node token"));
        run.Add(new Figure(Name, "p50 with external token (1 caller)", externalAlone.P50Ms, "ms", "node token p50", nodeAlone.P50Ms));
        run.Add(new Figure(Name, "p99 with external token (1 caller)", externalAlone.P99Ms, "ms", "node token p99", nodeAlone.P99Ms));
        run.Add(new Figure(Name, "JWKS fetches", issuer.JwksRequests, "requests", Target: "one per process (cached)"));
        run.Add(new Figure(Name, "errors", nodeMany.Errors + externalMany.Errors + nodeAlone.Errors + externalAlone.Errors, "requests"));
    }

    private static HttpClient Client(Uri baseAddress, string token)
    {
        var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 64 }) { BaseAddress = baseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    private static async Task<LoadGenerator.Result> MeasureAsync(BenchmarkRun run, Uri baseAddress, string token, string path, int concurrency)
    {
        using var http = Client(baseAddress, token);
        return await LoadGenerator.RunAsync(async () =>
        {
            using var response = await http.GetAsync(path);
            return response.IsSuccessStatusCode;
        }, concurrency, duration: run.Duration(10, 2), warmUp: TimeSpan.FromSeconds(run.Quick ? 1 : 2));
    }

    private static async Task<Uri> CreateVirtualHostAsync(BenchmarkRun run, string name, CancellationToken cancellationToken)
    {
        var credentials = Uri.UnescapeDataString(run.RabbitMq.UserInfo);
        using var http = run.ManagementClient();
        (await http.PutAsync($"api/vhosts/{name}", null, cancellationToken)).EnsureSuccessStatusCode();
        var user = credentials.Split(':')[0];
        (await http.PutAsJsonAsync($"api/permissions/{name}/{user}", new { configure = ".*", write = ".*", read = ".*" }, cancellationToken)).EnsureSuccessStatusCode();
        return new Uri(run.RabbitMq, name);
    }
}
