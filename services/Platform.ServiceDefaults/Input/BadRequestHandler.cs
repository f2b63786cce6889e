using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Diagnostics;
using Microsoft.AspNetCore.Http;

namespace Platform.ServiceDefaults.Input;

/// <summary>
/// A request an endpoint could not bind (malformed JSON, a value of the wrong type, text the database cannot store,
/// a query value that is not a number) is answered as a validation problem naming the field, with the status the
/// binder chose (400, 413 or 415), rather than an empty 400.
/// </summary>
internal sealed partial class BadRequestHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not BadHttpRequestException bad || httpContext.Response.HasStarted)
        {
            return false;
        }
        var (field, message) = bad.InnerException is JsonException json
            ? (FieldOf(json.Path), json.Message)
            : (BoundParameter().Match(bad.Message) is { Success: true } match ? JsonNamingPolicy.CamelCase.ConvertName(match.Groups[1].Value) : "$", bad.Message);
        httpContext.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = httpContext,
            ProblemDetails = new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [message] })
            {
                Status = bad.StatusCode,
                Title = "The request is not valid",
            },
        });
    }

    /// <summary><c>$.records[2].title</c> → <c>records[2].title</c>, the way validation errors name fields.</summary>
    private static string FieldOf(string? path) =>
        string.IsNullOrEmpty(path) || path == "$" ? "$" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;

    /// <summary>The parameter's name in the binder's message, e.g. <c>Failed to bind parameter "int? page" from "abc".</c></summary>
    [GeneratedRegex("""parameter "(?:[^"]* )?([A-Za-z0-9_]+)"(?: from)?""")]
    private static partial Regex BoundParameter();
}
