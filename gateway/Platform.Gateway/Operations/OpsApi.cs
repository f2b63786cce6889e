using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.FileProviders;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Gateway.Operations;

/// <summary>
/// What the ops console needs beyond the services' own APIs: health and outbox backlog of every process of the node, the
/// health of peer nodes, and the node's queues from the broker's management API. Plus the console's static files.
/// </summary>
internal static class OpsApi
{
    public const string HttpClientName = "ops";

    /// <summary>The services of the node, by the name of their proxy cluster (ReverseProxy:Clusters:…).</summary>
    private static readonly string[] Clusters = ["catalogue", "sharing", "audit", "notify"];

    public static WebApplicationBuilder AddOps(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<OpsOptions>().Bind(builder.Configuration.GetSection(OpsOptions.Section));
        builder.Services.AddHttpClient(HttpClientName);
        // The probes run every few seconds; their request logs would drown the gateway's log.
        builder.Logging.AddFilter($"System.Net.Http.HttpClient.{HttpClientName}", LogLevel.Warning);
        builder.Services.AddHostedService<QueueGauges>();
        builder.Services.AddAuthorizationBuilder().AddPolicy(Roles.Operator, policy => policy
            .RequireAuthenticatedUser()
            .RequireClaim(PlatformClaims.Department, builder.Configuration[$"{NodeOptions.Section}:Id"] ?? "")
            .RequireClaim(PlatformClaims.Role, Roles.Operator, Roles.Admin));
        return builder;
    }

    /// <summary>/console: static pages (no data in them; every figure comes from the APIs with the signed-in client's token).</summary>
    public static void UseOpsConsole(this WebApplication app)
    {
        var files = new PhysicalFileProvider(Path.Combine(AppContext.BaseDirectory, "Console"));
        app.Use(async (context, next) =>
        {
            if (context.Request.Path.StartsWithSegments("/console", out var rest))
            {
                if (!rest.HasValue)
                {
                    context.Response.Redirect("/console/");
                    return;
                }
                context.Response.Headers.ContentSecurityPolicy =
                    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'";
                context.Response.Headers.XContentTypeOptions = "nosniff";
            }
            await next();
        });
        app.UseDefaultFiles(new DefaultFilesOptions { RequestPath = "/console", FileProvider = files });
        app.UseStaticFiles(new StaticFileOptions { RequestPath = "/console", FileProvider = files });
    }

    public static IEndpointRouteBuilder MapOpsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/ops/overview", GetOverview).RequireAuthorization(Roles.Operator).WithTags("Operations");
        return app;
    }

    internal static async Task<Ok<OpsOverview>> GetOverview(HttpContext context, IHttpClientFactory clients, IConfiguration configuration,
        IOptions<OpsOptions> options, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        using var http = clients.CreateClient(HttpClientName);
        http.Timeout = options.Value.ProbeTimeout;
        var services = Clusters.Select(cluster => ServiceAsync(http, cluster,
            configuration[$"ReverseProxy:Clusters:{cluster}:Destinations:primary:Address"], cancellationToken)).ToList();
        var sharing = configuration["ReverseProxy:Clusters:sharing:Destinations:primary:Address"];
        var peers = PeersAsync(http, sharing, context.Request.Headers.Authorization.ToString(), node.Value.Id, cancellationToken);
        var queues = QueuesAsync(http, options.Value, configuration.GetConnectionString("RabbitMq"), node.Value.Id, cancellationToken);
        await Task.WhenAll([.. services, peers, queues]);
        var all = new List<ServiceStatus> { new("gateway", "self", "Healthy", null, null, null) };
        all.AddRange(services.Select(s => s.Result));
        return TypedResults.Ok(new OpsOverview(node.Value.Id, clock.GetUtcNow(), all, peers.Result, queues.Result.Queues, queues.Result.Error));
    }

    private static async Task<ServiceStatus> ServiceAsync(HttpClient http, string name, string? address, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(address)) return new ServiceStatus(name, "", "NotConfigured", null, null, null);
        var baseUri = new Uri(address);
        string status;
        try
        {
            using var response = await http.GetAsync(new Uri(baseUri, "health/ready"), cancellationToken);
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            status = body.RootElement.TryGetProperty("status", out var s) ? s.GetString() ?? "Unknown" : response.IsSuccessStatusCode ? "Healthy" : "Unhealthy";
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            status = "Unreachable";
        }
        double? backlog = null, age = null, rejected = null;
        try
        {
            var metrics = await http.GetStringAsync(new Uri(baseUri, "metrics"), cancellationToken);
            backlog = Gauge(metrics, "platform_outbox_backlog");
            age = Gauge(metrics, "platform_outbox_oldest_age");
            rejected = Gauge(metrics, "platform_messages_rejected_total") ?? 0;
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
        {
            // The health status already says the service cannot be reached.
        }
        return new ServiceStatus(name, baseUri.ToString(), status, backlog, age, rejected);
    }

    /// <summary>The sum of a gauge's samples in Prometheus text format (any unit suffix), or null when absent.</summary>
    internal static double? Gauge(string metrics, string name)
    {
        double? sum = null;
        foreach (var line in metrics.Split('\n'))
        {
            if (line.StartsWith('#') || !line.StartsWith(name, StringComparison.Ordinal)) continue;
            var value = line[(line.LastIndexOf(' ') + 1)..].Trim();
            if (double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)) sum = (sum ?? 0) + number;
        }
        return sum;
    }

    private static async Task<IReadOnlyList<PeerStatus>> PeersAsync(HttpClient http, string? sharing, string authorization, string self,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(sharing)) return [];
        JsonElement nodes;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(new Uri(sharing), "api/sharing/nodes"));
            if (AuthenticationHeaderValue.TryParse(authorization, out var header)) request.Headers.Authorization = header;
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode) return [];
            nodes = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken)).RootElement.Clone();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return [];
        }
        var peers = nodes.EnumerateArray()
            .Select(n => (Department: Text(n, "department"), Name: Text(n, "name"), Gateway: Text(n, "gatewayUrl")))
            .Where(n => n.Department != self && Uri.TryCreate(n.Gateway, UriKind.Absolute, out _))
            .Select(async n =>
            {
                try
                {
                    using var response = await http.GetAsync(new Uri(new Uri(n.Gateway), "health/live"), cancellationToken);
                    return new PeerStatus(n.Department, n.Name, n.Gateway, response.IsSuccessStatusCode ? "Healthy" : "Unhealthy");
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
                {
                    return new PeerStatus(n.Department, n.Name, n.Gateway, "Unreachable");
                }
            });
        return await Task.WhenAll(peers);

        static string Text(JsonElement element, string property) =>
            element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
    }

    internal static async Task<(IReadOnlyList<QueueStatus> Queues, string? Error)> QueuesAsync(HttpClient http, OpsOptions options, string? broker,
        string node, CancellationToken cancellationToken)
    {
        var management = options.RabbitMqManagementUrl;
        if (management is null || string.IsNullOrWhiteSpace(broker)) return ([], "Ops:RabbitMqManagementUrl is not configured.");
        var amqp = new Uri(broker);
        var vhost = amqp.AbsolutePath.Trim('/') is { Length: > 0 } path ? Uri.UnescapeDataString(path) : "/";
        var userInfo = amqp.UserInfo.Split(':', 2);
        var user = options.RabbitMqManagementUser ?? Uri.UnescapeDataString(userInfo[0]);
        var password = options.RabbitMqManagementPassword ?? (userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : "");
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get,
                new Uri(management, $"api/queues/{Uri.EscapeDataString(vhost)}?columns=name,messages,messages_ready,messages_unacknowledged,consumers"));
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{user}:{password}")));
            using var response = await http.SendAsync(request, cancellationToken);
            if (!response.IsSuccessStatusCode) return ([], $"The management API answered {(int)response.StatusCode}.");
            using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken));
            var queues = body.RootElement.EnumerateArray()
                .Select(q => new QueueStatus(q.GetProperty("name").GetString()!, Number(q, "messages"), Number(q, "messages_ready"),
                    Number(q, "messages_unacknowledged"), (int)Number(q, "consumers"), q.GetProperty("name").GetString()!.EndsWith("_error", StringComparison.Ordinal)))
                .Where(q => q.Name.StartsWith(node + ".", StringComparison.Ordinal))
                .OrderBy(q => q.Name, StringComparer.Ordinal)
                .ToList();
            return (queues, null);
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or JsonException)
        {
            return ([], "The broker's management API cannot be reached.");
        }

        static long Number(JsonElement element, string property) =>
            element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;
    }
}

/// <summary>The node at a glance: its processes, its peers and its queues.</summary>
public sealed record OpsOverview(string Node, DateTimeOffset At, IReadOnlyList<ServiceStatus> Services, IReadOnlyList<PeerStatus> Peers,
    IReadOnlyList<QueueStatus> Queues, string? QueuesError);

/// <summary>
/// A process's readiness, its outbox (messages waiting to be published, the age of the oldest in seconds) and the messages
/// from the exchange it refused and quarantined since it started (bad signature, wrong sender, replay…; docs/TRUST.md).
/// </summary>
public sealed record ServiceStatus(string Name, string Url, string Status, double? OutboxBacklog, double? OutboxOldestAgeSeconds, double? MessagesRejected);

public sealed record PeerStatus(string Department, string Name, string GatewayUrl, string Status);

public sealed record QueueStatus(string Name, long Messages, long Ready, long Unacknowledged, int Consumers, bool IsErrorQueue);
