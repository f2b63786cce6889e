using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Platform.ServiceDefaults.Input;

/// <summary>
/// Checks on the request target that no endpoint should have to repeat, answered as problems: a target longer than
/// <see cref="MaxLength"/> gets 414, a query parameter holding NUL gets 400 naming it (PostgreSQL refuses NUL in text).
/// </summary>
public static class RequestTargetGuard
{
    /// <summary>
    /// Path and query, in characters. Kestrel's own request-line limit is set above it (<see cref="MaxRequestLineBytes"/>),
    /// because Kestrel answers that one with an empty body.
    /// </summary>
    public const int MaxLength = 8_000;

    public const int MaxRequestLineBytes = 128 * 1024;

    public static IApplicationBuilder UseRequestTargetGuard(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var target = context.Features.Get<IHttpRequestFeature>()?.RawTarget;
        var length = target?.Length ?? context.Request.Path.Value?.Length + context.Request.QueryString.Value?.Length ?? 0;
        if (length > MaxLength)
        {
            await Results.Problem(statusCode: StatusCodes.Status414UriTooLong, title: "Request target too long",
                detail: $"The path and query may hold at most {MaxLength} characters; this one has {length}.").ExecuteAsync(context);
            return;
        }
        Dictionary<string, string[]>? errors = null;
        foreach (var (name, values) in context.Request.Query)
        {
            if (StorableText.HasNul(name) || values.Any(StorableText.HasNul))
            {
                errors ??= [];
                errors[name.Replace("\0", "\\0", StringComparison.Ordinal)] = [StorableText.NulMessage];
            }
        }
        if (errors is not null)
        {
            await Results.ValidationProblem(errors, title: "The query is not valid").ExecuteAsync(context);
            return;
        }
        await next(context);
    });
}
