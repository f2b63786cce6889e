using System.Collections.Concurrent;
using System.Diagnostics;
using MassTransit;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;
using Yarp.ReverseProxy.Model;

namespace Platform.Gateway.Audit;

/// <summary>
/// Announces the denials the gateway produces itself (401/403 of its token check, 413 body limits, 429 rate limits, failed
/// token requests) as <see cref="ApiCallRecorded"/> for the audit log. Answers proxied from a service are not announced here:
/// the service audits them itself. The gateway has no outbox (its database only holds OpenIddict's tables), so the event
/// is published directly with publisher confirms; while the broker is down a denial is logged but not audited.
/// </summary>
internal sealed partial class GatewayDenialAuditMiddleware(RequestDelegate next, IBus bus, IOptions<NodeOptions> node,
    ILogger<GatewayDenialAuditMiddleware> logger)
{
    private static readonly TimeSpan PublishTimeout = TimeSpan.FromSeconds(3);

    // A flood of 429s is one audit entry per client per second, not one per rejected request.
    private readonly ConcurrentDictionary<string, long> _lastRateLimitRecord = new();

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        await next(context);
        var status = context.Response.StatusCode;
        if (!IsOwnDenial(context, status) || IsRepeatedRateLimit(context, status)) return;

        var user = context.User;
        var call = new ApiCallRecorded(
            node.Value.Id,
            "gateway",
            user.FindFirst(PlatformClaims.Department)?.Value,
            user.FindFirst(PlatformClaims.ClientId)?.Value ?? RequestedClientId(context),
            [.. user.FindAll(PlatformClaims.Role).Select(c => c.Value)],
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.RouteId,
            status,
            Activity.Current?.TraceId.ToString(),
            Math.Round(Stopwatch.GetElapsedTime(started).TotalMilliseconds, 3),
            DateTimeOffset.UtcNow);
        try
        {
            using var timeout = new CancellationTokenSource(PublishTimeout);
            await bus.Publish(call, timeout.Token);
        }
        catch (Exception exception)
        {
            LogRecordFailed(logger, exception, call.Method, call.Path, call.Status);
        }
    }

    /// <summary>A denial the gateway answered itself: YARP's proxy feature is only present once a request was handed to a service.</summary>
    internal static bool IsOwnDenial(HttpContext context, int status) =>
        context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>() is null
        && (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
                or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests
            || (status >= 400 && context.Request.Path.StartsWithSegments("/connect/token")));

    private bool IsRepeatedRateLimit(HttpContext context, int status)
    {
        if (status != StatusCodes.Status429TooManyRequests) return false;
        var key = context.User.FindFirst(PlatformClaims.ClientId)?.Value ?? context.Connection.RemoteIpAddress?.ToString() ?? "unknown";
        var second = Environment.TickCount64 / 1000;
        if (_lastRateLimitRecord.Count > 10_000) _lastRateLimitRecord.Clear();
        var previous = _lastRateLimitRecord.GetValueOrDefault(key, -1);
        return previous == second || !_lastRateLimitRecord.TryUpdate(key, second, previous) && !_lastRateLimitRecord.TryAdd(key, second);
    }

    // The client id a token request named (never its secret); only if the token endpoint already read the form.
    private static string? RequestedClientId(HttpContext context) =>
        context.Request.Path.StartsWithSegments("/connect/token")
        && context.Features.Get<IFormFeature>()?.Form?.TryGetValue("client_id", out var clientId) == true
        && clientId.ToString() is { Length: > 0 and <= 200 } id
            ? id
            : null;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Could not publish the gateway's denial {Method} {Path} ({Status}) for the audit log")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string method, string path, int status);
}

internal static class GatewayDenialAuditExtensions
{
    /// <summary>
    /// The bus the denials go out on (no consumers). Best effort: the gateway stays ready while the broker is away, so the
    /// bus is left out of <c>/health/ready</c>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayDenialAudit(this WebApplicationBuilder builder, NodeOptions node) =>
        builder.AddServiceBus("gateway", node, bus => bus.ConfigureHealthCheckOptions(options =>
        {
            options.Tags.Clear();
            options.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded;
        }));

    public static IApplicationBuilder UseGatewayDenialAudit(this IApplicationBuilder app) => app.UseMiddleware<GatewayDenialAuditMiddleware>();
}
