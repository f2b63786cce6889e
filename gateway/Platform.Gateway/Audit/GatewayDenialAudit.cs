using MassTransit;
using Microsoft.AspNetCore.Http.Features;
using Platform.Contracts;
using Platform.Gateway.Proxy;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Messaging;

namespace Platform.Gateway.Audit;

/// <summary>
/// Counts the denials the gateway produces itself (401/403 of its token check, 413 body limits, 429 rate limits, failed
/// token requests) for the audit log, per source address, reason and window (<see cref="DenialTally"/>). Answers proxied
/// from a service are not counted here: the service audits them itself. The gateway has no outbox (its database only
/// holds OpenIddict's tables), so the counts are published directly with publisher confirms; while the broker is down a
/// count is logged but not audited. Aggregating keeps a flood of bad requests from becoming a flood of audit entries.
/// </summary>
internal sealed class GatewayDenialAuditMiddleware(RequestDelegate next, DenialTally tally)
{
    public async Task InvokeAsync(HttpContext context)
    {
        await next(context);
        var status = context.Response.StatusCode;
        if (!IsOwnDenial(context, status)) return;

        var user = context.User;
        tally.Add(
            SourceAddress.Of(context),
            Reason(context, status),
            status,
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            user.FindFirst(PlatformClaims.ClientId)?.Value ?? RequestedClientId(context),
            user.FindFirst(PlatformClaims.Department)?.Value);
    }

    /// <summary>A denial the gateway answered itself: YARP's proxy feature is only present once a request was handed to a service.</summary>
    internal static bool IsOwnDenial(HttpContext context, int status) =>
        context.Features.Get<Yarp.ReverseProxy.Model.IReverseProxyFeature>() is null
        && (status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
                or StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests
            || (status >= 400 && IsTokenRequest(context)));

    private static string Reason(HttpContext context, int status) => status switch
    {
        StatusCodes.Status429TooManyRequests => "rate-limited",
        _ when IsTokenRequest(context) => "token-request-failed",
        StatusCodes.Status401Unauthorized => "unauthenticated",
        StatusCodes.Status403Forbidden => "forbidden",
        StatusCodes.Status413PayloadTooLarge => "body-too-large",
        _ => "rejected",
    };

    private static bool IsTokenRequest(HttpContext context) => context.Request.Path.StartsWithSegments("/connect/token");

    // The client id a token request named (never its secret); only if the token endpoint already read the form.
    private static string? RequestedClientId(HttpContext context) =>
        IsTokenRequest(context)
        && context.Features.Get<IFormFeature>()?.Form?.TryGetValue("client_id", out var clientId) == true
        && clientId.ToString() is { Length: > 0 and <= 200 } id
            ? id
            : null;
}

internal static class GatewayDenialAuditExtensions
{
    /// <summary>
    /// The bus the denial counts go out on (no consumers). Best effort: the gateway stays ready while the broker is away,
    /// so the bus is left out of <c>/health/ready</c>.
    /// </summary>
    public static WebApplicationBuilder AddGatewayDenialAudit(this WebApplicationBuilder builder, NodeOptions node)
    {
        builder.AddServiceBus("gateway", node, bus => bus.ConfigureHealthCheckOptions(options =>
        {
            options.Tags.Clear();
            options.MinimalFailureStatus = Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Degraded;
        }));
        builder.Services.AddOptions<DenialAuditOptions>().Bind(builder.Configuration.GetSection(DenialAuditOptions.Section))
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<DenialTally>();
        // Registered after the bus, so it stops before the bus does and can still announce the counts of open windows.
        builder.Services.AddHostedService(services => services.GetRequiredService<DenialTally>());
        return builder;
    }

    public static IApplicationBuilder UseGatewayDenialAudit(this IApplicationBuilder app) => app.UseMiddleware<GatewayDenialAuditMiddleware>();
}
