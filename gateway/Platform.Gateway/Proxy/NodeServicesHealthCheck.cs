using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Asks every destination of every cluster for its /health/ready, so the gateway is ready only when its node is,
/// and names the services that are not.
/// </summary>
internal sealed class NodeServicesHealthCheck(IProxyStateLookup proxy, IHttpClientFactory httpClients) : IHealthCheck
{
    public const string HttpClientName = "node-services-health";

    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(2);

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var destinations = proxy.GetClusters()
            .SelectMany(cluster => cluster.Destinations.Values.Select(destination =>
                (Name: $"{cluster.ClusterId}/{destination.DestinationId}", Address: destination.Model.Config.Address)))
            .ToList();
        var results = await Task.WhenAll(destinations.Select(async destination =>
            (destination.Name, Problem: await ProbeAsync(destination.Address, cancellationToken))));

        var notReady = results.Where(result => result.Problem is not null).Select(result => $"{result.Name}: {result.Problem}").ToList();
        return notReady.Count == 0
            ? HealthCheckResult.Healthy($"{results.Length} services ready")
            : HealthCheckResult.Unhealthy($"Not ready: {string.Join("; ", notReady)}");
    }

    private async Task<string?> ProbeAsync(string address, CancellationToken cancellationToken)
    {
        try
        {
            using var client = httpClients.CreateClient(HttpClientName);
            using var response = await client.GetAsync(new Uri(new Uri(address), "health/ready"), cancellationToken);
            return response.IsSuccessStatusCode ? null : $"{(int)response.StatusCode} from {address}";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return $"unreachable at {address} ({ex.Message})";
        }
    }
}
