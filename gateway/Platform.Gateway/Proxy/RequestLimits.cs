using Microsoft.AspNetCore.Http.Features;
using Yarp.ReverseProxy.Model;

namespace Platform.Gateway.Proxy;

/// <summary>
/// Body size limits (every body small, whatever its declared type, except on the upload routes, marked
/// <c>"Uploads": "true"</c> in their YARP metadata) and the security headers every answer carries.
/// </summary>
internal static class RequestLimits
{
    private const string Section = "Gateway:Limits";

    public static WebApplication UseGatewayRequestLimits(this WebApplication app)
    {
        var maxJson = app.Configuration.GetValue($"{Section}:MaxJsonBodyBytes", 1L << 20);
        var maxUpload = app.Configuration.GetValue($"{Section}:MaxUploadBodyBytes", 256L << 20);
        app.Use(async (context, next) =>
        {
            AddSecurityHeaders(context.Response);
            var limit = IsUpload(context) ? maxUpload : maxJson;
            if (context.Request.ContentLength > limit)
            {
                await Results.Problem(
                    statusCode: StatusCodes.Status413PayloadTooLarge,
                    title: "Request body too large",
                    detail: $"This request may carry at most {limit} bytes.").ExecuteAsync(context);
                return;
            }
            // Chunked bodies are cut off by the server once they pass the limit.
            if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } feature) feature.MaxRequestBodySize = limit;
            await next(context);
        });
        return app;
    }

    // Decided by the route alone: the declared type is the client's word, and a large body costs as much whatever it claims.
    private static bool IsUpload(HttpContext context) =>
        context.GetEndpoint()?.Metadata.GetMetadata<RouteModel>()?.Config.Metadata?.GetValueOrDefault("Uploads") == "true";

    // The API reference at /docs runs scripts, so only API and token answers get the strict content policy.
    private static void AddSecurityHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // Proxied answers bring the service's own Server header along.
        response.OnStarting(static state =>
        {
            ((HttpResponse)state).Headers.Remove("Server");
            return Task.CompletedTask;
        }, response);
        var path = response.HttpContext.Request.Path;
        if (path.StartsWithSegments("/api") || path.StartsWithSegments("/connect") || path.StartsWithSegments("/peer"))
        {
            headers.ContentSecurityPolicy = "default-src 'none'; frame-ancestors 'none'";
            headers.CacheControl = "no-store";
        }
    }
}
