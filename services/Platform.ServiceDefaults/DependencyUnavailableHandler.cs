using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults;

/// <summary>
/// While the database is unreachable, requests fail fast with 503 problem details and a Retry-After, instead of
/// a 500: the client knows nothing was stored and that trying again later is right.
/// </summary>
internal sealed partial class DependencyUnavailableHandler(IProblemDetailsService problems, ILogger<DependencyUnavailableHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsUnavailable(exception) || httpContext.Response.HasStarted)
        {
            return false;
        }
        // The operator sees why clients got 503 (a timeout under load reads differently from a refused connection).
        LogUnavailable(exception, httpContext.Request.Method, httpContext.Request.Path);
        httpContext.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        httpContext.Response.Headers.RetryAfter = "5";
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            Exception = exception,
            ProblemDetails = new ProblemDetails
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "The service's database is unavailable",
                Detail = "Nothing was changed by this request. Try again shortly.",
            },
        });
    }

    internal static bool IsUnavailable(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            // Class 08 = connection failure, 53 = insufficient resources, 57P = shutting down / starting up.
            // A regular expression timing out is this service's own failure, not an unavailable dependency.
            if (current is System.Text.RegularExpressions.RegexMatchTimeoutException)
            {
                return false;
            }
            if (current is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
                || current is PostgresException { SqlState: var state } && (state.StartsWith("08", StringComparison.Ordinal)
                    || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal)))
            {
                return true;
            }
        }
        return false;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method} {Path} answered 503: the database was unavailable or did not answer in time")]
    private partial void LogUnavailable(Exception exception, string method, PathString path);
}
