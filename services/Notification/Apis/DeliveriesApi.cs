using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults;

namespace Platform.Notification.Apis;

/// <summary>Webhook deliveries of this department's subscriptions: look one up, replay one, replay the dead letters.</summary>
public static class DeliveriesApi
{
    public static IEndpointRouteBuilder MapDeliveriesApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notify/deliveries").WithTags("Deliveries").RequireAuthorization(Roles.Operator);
        api.MapGet("/{id:guid}", GetDelivery);
        api.MapPost("/{id:guid}/replay", ReplayDelivery)
            .WithSummary("Send a dead-lettered (or already delivered) delivery again, in its original place in the subscription's order.");
        api.MapPost("/replay", ReplayDeadLetters)
            .WithSummary("Replay every dead letter of this department, or of one subscription (status=dead&subscriptionId=).");
        return app;
    }

    internal static async Task<Results<Ok<DeliveryView>, NotFound>> GetDelivery(
        Guid id, NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var delivery = await OwnDeliveries(db, node.Value.Id).AsNoTracking().SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        return delivery is null ? TypedResults.NotFound() : TypedResults.Ok(DeliveryView.From(delivery));
    }

    internal static async Task<Results<Ok<DeliveryView>, NotFound, ProblemHttpResult>> ReplayDelivery(
        Guid id, NotificationDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        var delivery = await OwnDeliveries(db, node.Value.Id).SingleOrDefaultAsync(d => d.Id == id, cancellationToken);
        if (delivery is null)
        {
            return TypedResults.NotFound();
        }
        if (delivery.Status == DeliveryStatus.Pending)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "The delivery is still pending",
                detail: $"Delivery {id} is being retried ({delivery.Attempts} attempts so far, next at {delivery.NextAttemptAt:O}); only dead or delivered ones can be replayed.");
        }
        Requeue(delivery, clock.GetUtcNow());
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(DeliveryView.From(delivery));
    }

    internal static async Task<Results<Ok<ReplayResult>, NotFound, ValidationProblem>> ReplayDeadLetters(
        string? status, Guid? subscriptionId, NotificationDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (status is not null && status != "dead")
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Only dead letters are replayed in bulk: status=dead (the default)."] });
        }
        if (subscriptionId is { } sid && !await db.Subscriptions.AnyAsync(s => s.Id == sid && s.Department == node.Value.Id, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        var now = clock.GetUtcNow();
        var query = OwnDeliveries(db, node.Value.Id).Where(d => d.Status == DeliveryStatus.Dead);
        if (subscriptionId is not null)
        {
            query = query.Where(d => d.SubscriptionId == subscriptionId);
        }
        var replayed = await query.ExecuteUpdateAsync(set => set
            .SetProperty(d => d.Status, DeliveryStatus.Pending)
            .SetProperty(d => d.Attempts, 0)
            .SetProperty(d => d.NextAttemptAt, now)
            .SetProperty(d => d.Replays, d => d.Replays + 1), cancellationToken);
        return TypedResults.Ok(new ReplayResult(replayed));
    }

    /// <summary>Parses a delivery status filter; returns a problem naming the field when it is not one.</summary>
    internal static ValidationProblem? ParseStatus(string? status, out DeliveryStatus? parsed)
    {
        parsed = null;
        if (status is null)
        {
            return null;
        }
        if (Enum.TryParse<DeliveryStatus>(status, ignoreCase: true, out var value) && !int.TryParse(status, out _))
        {
            parsed = value;
            return null;
        }
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["status"] = ["Use pending, delivered or dead."] });
    }

    private static IQueryable<Delivery> OwnDeliveries(NotificationDbContext db, string department) =>
        db.Deliveries.Where(d => db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.Department == department));

    private static void Requeue(Delivery delivery, DateTimeOffset now)
    {
        delivery.Status = DeliveryStatus.Pending;
        delivery.Attempts = 0;
        delivery.NextAttemptAt = now;
        delivery.Replays++;
    }
}

/// <summary>How many deliveries were put back in their queues.</summary>
public sealed record ReplayResult(int Replayed);
