using Platform.ServiceDefaults;
using Platform.Gateway.Infrastructure;

namespace Platform.Gateway.Proxy;

internal static class ProxyExtensions
{
    /// <summary>
    /// YARP routes and clusters from the <c>ReverseProxy</c> section (appsettings.json), rate limits,
    /// and a readiness check that the node's services behind the routes are ready too.
    /// </summary>
    public static WebApplicationBuilder AddGatewayProxy(this WebApplicationBuilder builder)
    {
        builder.Services.AddReverseProxy().LoadFromConfig(builder.Configuration.GetSection("ReverseProxy"));

        builder.Services.AddGatewayRateLimits(builder.Configuration);
        // Callers need not know which server software answers.
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.AddServerHeader = false);

        if (builder.Configuration.GetValue("Gateway:ReadyChecksServices", true))
        {
            builder.Services.AddHttpClient(NodeServicesHealthCheck.HttpClientName, client => client.Timeout = NodeServicesHealthCheck.Timeout);
            builder.Services.AddHealthChecks().AddCheck<NodeServicesHealthCheck>("services", tags: [HostingExtensions.ReadyTag]);
        }
        return builder;
    }
}
