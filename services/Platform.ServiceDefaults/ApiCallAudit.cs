using System.Diagnostics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults;

/// <summary>
/// Announces every state-changing call and every denial (401/403) as <see cref="ApiCallRecorded"/> for the audit log.
/// The event goes through the service's own outbox (a fresh context, committed before the response completes), so it
/// survives a broker outage and is published exactly like any other event. It is not in the same transaction as the
/// call's own changes: a crash between the two loses the record of that one call, never the change itself. Processes
/// without a <see cref="PlatformDbContext"/> (the gateway) record nothing here.
/// </summary>
public sealed partial class ApiCallAuditMiddleware(RequestDelegate next, IServiceScopeFactory scopes, IOptions<NodeOptions> node,
    IHostEnvironment environment, ILogger<ApiCallAuditMiddleware> logger)
{
    private readonly string _service = ServiceName(environment.ApplicationName);

    public async Task InvokeAsync(HttpContext context)
    {
        var started = Stopwatch.GetTimestamp();
        int? failed = null;
        try
        {
            await next(context);
        }
        catch
        {
            // The exception handler outside turns it into a 500 after this middleware has finished.
            failed = StatusCodes.Status500InternalServerError;
            throw;
        }
        finally
        {
            var status = failed ?? context.Response.StatusCode;
            if (IsAudited(context.Request.Method, status))
            {
                await RecordAsync(context, status, Stopwatch.GetElapsedTime(started));
            }
        }
    }

    /// <summary>Reads change state, so only writes and denials are recorded; health, metrics and docs are never audited.</summary>
    public static bool IsAudited(string method, int status) =>
        status is StatusCodes.Status401Unauthorized or StatusCodes.Status403Forbidden
        || !(HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method));

    private async Task RecordAsync(HttpContext context, int status, TimeSpan duration)
    {
        var user = context.User;
        var call = new ApiCallRecorded(
            node.Value.Id,
            _service,
            user.FindFirst(PlatformClaims.Department)?.Value,
            user.FindFirst(PlatformClaims.ClientId)?.Value ?? user.FindFirst(PlatformClaims.Subject)?.Value,
            [.. user.FindAll(PlatformClaims.Role).Select(c => c.Value)],
            context.Request.Method,
            context.Request.Path.Value ?? "/",
            (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText,
            status,
            Activity.Current?.TraceId.ToString(),
            Math.Round(duration.TotalMilliseconds, 3),
            DateTimeOffset.UtcNow);
        try
        {
            await using var scope = scopes.CreateAsyncScope();
            if (scope.ServiceProvider.GetService<PlatformDbContext>() is not { } db)
            {
                return;
            }
            db.Publish(call);
            // The client has its answer already; its disconnect must not cancel the record of the call.
            await db.SaveChangesAsync(CancellationToken.None);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            LogRecordFailed(logger, exception, call.Method, call.Path, call.Status);
        }
    }

    private static string ServiceName(string applicationName) =>
        (applicationName.StartsWith("Platform.", StringComparison.Ordinal) ? applicationName["Platform.".Length..] : applicationName)
        .ToLowerInvariant();

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not record API call {Method} {Path} ({Status}) for the audit log")]
    private static partial void LogRecordFailed(ILogger logger, Exception exception, string method, string path, int status);
}

public static class ApiCallAuditExtensions
{
    /// <summary>Place before authentication so that denials by the authentication and authorization middleware are seen.</summary>
    public static IApplicationBuilder UseApiCallAudit(this IApplicationBuilder app) => app.UseMiddleware<ApiCallAuditMiddleware>();
}
