using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Platform.Contracts;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Fixed one-second windows and a cap on requests in flight, per client on everything; per address on token requests.
/// Rejections are 429 problem details with <c>Retry-After</c>.
/// </summary>
internal static class RateLimits
{
    private const string Section = "Gateway:RateLimit";

    /// <summary>Per authenticated client (client_id), otherwise per remote address; health and metrics are not limited.</summary>
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var permits = configuration.GetValue($"{Section}:PermitsPerSecond", 2000);
        var concurrent = configuration.GetValue($"{Section}:ConcurrentRequests", 200);
        return services.AddRateLimiter(options => Configure(options, permits, concurrent, context =>
            context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics")
                ? null
                : context.User.FindFirst(PlatformClaims.ClientId)?.Value is { } clientId ? "client:" + clientId : Address(context)));
    }

    /// <summary>
    /// OpenIddict checks client secrets inside UseAuthentication, before the per-client limiter runs,
    /// so token requests get their own per-address limit ahead of it (secret hashing is deliberately costly).
    /// </summary>
    public static IApplicationBuilder UseTokenRequestRateLimit(this WebApplication app)
    {
        var options = new RateLimiterOptions();
        Configure(options, app.Configuration.GetValue($"{Section}:TokenRequestsPerSecond", 200), null, Address);
        return app.UseWhen(context => context.Request.Path.StartsWithSegments("/connect/token"), branch => branch.UseRateLimiter(options));
    }

    private static void Configure(RateLimiterOptions options, int permitsPerSecond, int? concurrentRequests, Func<HttpContext, string?> partition)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, cancellationToken) =>
        {
            context.HttpContext.Response.Headers.RetryAfter = "1";
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = concurrentRequests is { } concurrent
                        ? $"More than {permitsPerSecond} requests per second or {concurrent} at once from this client; retry after a second."
                        : $"More than {permitsPerSecond} requests per second; retry after a second.",
                },
            });
        };
        var perSecond = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            partition(context) is { } key
                ? RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permitsPerSecond,
                    Window = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));
        options.GlobalLimiter = concurrentRequests is not { } limit
            ? perSecond
            : PartitionedRateLimiter.CreateChained(perSecond, PartitionedRateLimiter.Create<HttpContext, string>(context =>
                partition(context) is { } key
                    ? RateLimitPartition.GetConcurrencyLimiter(key, _ => new ConcurrencyLimiterOptions { PermitLimit = limit, QueueLimit = 0 })
                    : RateLimitPartition.GetNoLimiter("")));
    }

    private static string Address(HttpContext context) => "ip:" + (context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
}
