using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Messaging;

/// <summary>
/// Operators' view of the service's error queues: what failed and why, and a replay that moves messages back to
/// their input queue once the cause is fixed. Mapped by each service under its own route prefix.
/// </summary>
public static partial class ErrorQueueApi
{
    private const int MaxLimit = 1000;

    /// <summary>Maps the endpoints under <paramref name="prefix"/>, the service's route prefix through the gateway (e.g. <c>/api/catalogue</c>).</summary>
    public static IEndpointRouteBuilder MapErrorQueueApi(this IEndpointRouteBuilder app, string prefix)
    {
        var api = app.MapGroup($"{prefix}/operator/error-messages")
            .RequireAuthorization(Roles.Operator)
            .WithTags("Operations");
        api.MapGet("", List).WithSummary("Messages in this service's error queues, with the reason each failed (left in place).");
        api.MapPost("/replay", ReplayAll).WithSummary("Moves every message in this service's error queues back to its input queue.");
        api.MapPost("/{messageId}/replay", ReplayOne).WithSummary("Moves the message with this id back to its input queue.");
        return app;
    }

    public sealed record ReplayResult(int Replayed);

    private static async Task<Results<Ok<IReadOnlyList<ErrorMessage>>, ValidationProblem, ProblemHttpResult>> List(
        ErrorQueues queues, ILogger<ErrorQueues> logger, CancellationToken cancellationToken, int limit = 100)
    {
        if (limit is < 1 or > MaxLimit)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["limit"] = [$"Must be between 1 and {MaxLimit}."] });
        }
        try
        {
            return TypedResults.Ok(await queues.ListAsync(limit, cancellationToken));
        }
        catch (Exception ex) when (ErrorQueues.IsBrokerUnavailable(ex))
        {
            return BrokerUnavailable(logger, ex);
        }
    }

    private static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayAll(ErrorQueues queues, ILogger<ErrorQueues> logger, CancellationToken cancellationToken)
    {
        try
        {
            return TypedResults.Ok(new ReplayResult(await queues.ReplayAsync(null, cancellationToken)));
        }
        catch (Exception ex) when (ErrorQueues.IsBrokerUnavailable(ex))
        {
            return BrokerUnavailable(logger, ex);
        }
    }

    private static async Task<Results<Ok<ReplayResult>, ProblemHttpResult>> ReplayOne(
        string messageId, ErrorQueues queues, ILogger<ErrorQueues> logger, CancellationToken cancellationToken)
    {
        try
        {
            var replayed = await queues.ReplayAsync(m => m.MessageId == messageId, cancellationToken);
            return replayed > 0
                ? TypedResults.Ok(new ReplayResult(replayed))
                : TypedResults.Problem(title: "No such message in this service's error queues",
                    detail: $"No message with id {messageId} is waiting in an error queue of this service.",
                    statusCode: StatusCodes.Status404NotFound);
        }
        catch (Exception ex) when (ErrorQueues.IsBrokerUnavailable(ex))
        {
            return BrokerUnavailable(logger, ex);
        }
    }

    private static ProblemHttpResult BrokerUnavailable(ILogger logger, Exception exception)
    {
        // The operator sees why the answer was 503: a refused connection reads differently from a channel error.
        LogBrokerUnavailable(logger, exception);
        return TypedResults.Problem(
            title: "The message broker is unavailable",
            detail: "Nothing was moved. Try again shortly.",
            statusCode: StatusCodes.Status503ServiceUnavailable);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "The error queues could not be read or replayed: the broker was unavailable")]
    private static partial void LogBrokerUnavailable(ILogger logger, Exception exception);
}
