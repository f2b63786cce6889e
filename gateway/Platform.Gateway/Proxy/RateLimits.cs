using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Net.Http.Headers;
using Platform.Contracts;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Fixed one-second windows and a cap on requests in flight, per client on everything; per address on token requests; and
/// a token bucket per source address for requests without credentials, ahead of authentication. Rejections are 429
/// problem details with <c>Retry-After</c>.
/// </summary>
internal static class RateLimits
{
    private const string Section = "Gateway:RateLimit";

    /// <summary>Per authenticated client (client_id), otherwise per remote address; health and metrics are not limited.</summary>
    public static IServiceCollection AddGatewayRateLimits(this IServiceCollection services, IConfiguration configuration)
    {
        var permits = configuration.GetValue($"{Section}:PermitsPerSecond", 2000);
        var concurrent = configuration.GetValue($"{Section}:ConcurrentRequests", 200);
        Func<HttpContext, string?> partition = context =>
            IsHealthOrMetrics(context)
                ? null
                : context.User.FindFirst(PlatformClaims.ClientId)?.Value is { } clientId ? "client:" + clientId : Address(context);
        return services.AddRateLimiter(options =>
        {
            OnRejected(options, $"More than {permits} requests per second or {concurrent} at once from this client; retry after a second.");
            options.GlobalLimiter = PartitionedRateLimiter.CreateChained(PerSecond(permits, partition),
                PartitionedRateLimiter.Create<HttpContext, string>(context =>
                    partition(context) is { } key
                        ? RateLimitPartition.GetConcurrencyLimiter(key, _ => new ConcurrencyLimiterOptions { PermitLimit = concurrent, QueueLimit = 0 })
                        : RateLimitPartition.GetNoLimiter("")));
        });
    }

    /// <summary>
    /// OpenIddict checks client secrets inside UseAuthentication, before the per-client limiter runs,
    /// so token requests get their own per-address limit ahead of it (secret hashing is deliberately costly).
    /// </summary>
    public static IApplicationBuilder UseTokenRequestRateLimit(this WebApplication app)
    {
        var permits = app.Configuration.GetValue($"{Section}:TokenRequestsPerSecond", 200);
        var options = new RateLimiterOptions();
        OnRejected(options, $"More than {permits} requests per second; retry after a second.");
        options.GlobalLimiter = PerSecond(permits, Address);
        return app.UseWhen(context => context.Request.Path.StartsWithSegments("/connect/token"), branch => branch.UseRateLimiter(options));
    }

    /// <summary>
    /// Requests that carry no credentials draw on a token bucket per source address (default 20 a second, bursts of up
    /// to 100) before authentication, so an anonymous flood is answered 429 cheaply instead of 401 after the token check.
    /// Requests whose token does not authenticate draw on the same bucket right after authentication
    /// (<see cref="AnonymousLimit.ForFailedTokens"/>), so a made-up token is no way around it. Requests with a valid token
    /// are limited per client; token requests, health and metrics have their own.
    /// </summary>
    public static AnonymousLimit UseAnonymousRateLimit(this WebApplication app)
    {
        var permits = app.Configuration.GetValue($"{Section}:AnonymousPermitsPerSecond", 20);
        var burst = app.Configuration.GetValue($"{Section}:AnonymousBurst", 100);
        var options = new RateLimiterOptions();
        OnRejected(options, $"More than {permits} requests per second (bursts of {burst}) without credentials from this address; retry later.");
        options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(context =>
            RateLimitPartition.GetTokenBucketLimiter(SourceAddress.Of(context), _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = permits,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0,
                AutoReplenishment = true,
            }));
        app.UseWhen(context => !context.Request.Headers.ContainsKey(HeaderNames.Authorization) && IsLimitedAnonymously(context),
            branch => branch.UseRateLimiter(options));
        return new AnonymousLimit(options);
    }

    /// <summary>The anonymous bucket, for the requests whose token failed to authenticate.</summary>
    public sealed class AnonymousLimit(RateLimiterOptions options)
    {
        public void ForFailedTokens(WebApplication app) =>
            app.UseWhen(context => context.Request.Headers.ContainsKey(HeaderNames.Authorization)
                    && context.User.Identity?.IsAuthenticated != true && IsLimitedAnonymously(context),
                branch => branch.UseRateLimiter(options));
    }

    private static bool IsLimitedAnonymously(HttpContext context) =>
        !IsHealthOrMetrics(context) && !context.Request.Path.StartsWithSegments("/connect/token");

    private static bool IsHealthOrMetrics(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/health") || context.Request.Path.StartsWithSegments("/metrics");

    private static PartitionedRateLimiter<HttpContext> PerSecond(int permitsPerSecond, Func<HttpContext, string?> partition) =>
        PartitionedRateLimiter.Create<HttpContext, string>(context =>
            partition(context) is { } key
                ? RateLimitPartition.GetFixedWindowLimiter(key, _ => new FixedWindowRateLimiterOptions
                {
                    PermitLimit = permitsPerSecond,
                    Window = TimeSpan.FromSeconds(1),
                    QueueLimit = 0,
                })
                : RateLimitPartition.GetNoLimiter(""));

    private static void OnRejected(RateLimiterOptions options, string detail)
    {
        options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        options.OnRejected = async (context, cancellationToken) =>
        {
            var wait = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var retryAfter) ? retryAfter : TimeSpan.FromSeconds(1);
            context.HttpContext.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
            await context.HttpContext.RequestServices.GetRequiredService<IProblemDetailsService>().WriteAsync(new ProblemDetailsContext
            {
                HttpContext = context.HttpContext,
                ProblemDetails =
                {
                    Status = StatusCodes.Status429TooManyRequests,
                    Title = "Too many requests",
                    Detail = detail,
                },
            });
        };
    }

    private static string Address(HttpContext context) => "ip:" + SourceAddress.Of(context);
}
