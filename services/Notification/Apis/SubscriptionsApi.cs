using System.Security.Cryptography;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults;

namespace Platform.Notification.Apis;

/// <summary>This department's notification subscriptions and their delivery history.</summary>
public static class SubscriptionsApi
{
    public static IEndpointRouteBuilder MapSubscriptionsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notify/subscriptions").WithTags("Subscriptions").RequireAuthorization(Roles.Operator);
        api.MapPost("/", CreateSubscription).WithSummary("Subscribe a webhook to event types; the answer carries the signing secret once.");
        api.MapGet("/", ListSubscriptions).WithSummary("This department's subscriptions (secrets not shown).");
        api.MapGet("/{id:guid}", GetSubscription);
        api.MapDelete("/{id:guid}", DeleteSubscription);
        api.MapGet("/{id:guid}/deliveries", ListDeliveries).WithSummary("Delivery history of one subscription, newest first.");
        return app;
    }

    internal static async Task<Results<Created<SubscriptionView>, ValidationProblem>> CreateSubscription(
        SubscriptionInput input, NotificationDbContext db, WebhookTargetGuard guard, IOptions<NodeOptions> node, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.Channel != Channels.Webhook)
        {
            errors["channel"] = [$"'{input.Channel}' is not a supported channel; use '{Channels.Webhook}'."];
        }
        var eventTypes = input.EventTypes?.Distinct().ToList() ?? [];
        var unknown = eventTypes.Where(t => t != "*" && !EventTypes.All.Contains(t)).ToList();
        if (eventTypes.Count == 0 || unknown.Count > 0)
        {
            errors["eventTypes"] = [$"Name one or more of: {string.Join(", ", EventTypes.All)} (or *).{(unknown.Count > 0 ? $" Unknown: {string.Join(", ", unknown)}." : "")}"];
        }
        if (await guard.CheckAsync(input.Url, cancellationToken) is { } refused)
        {
            errors["url"] = [refused];
        }
        if (input.Secret is not null && !IsValidSecret(input.Secret))
        {
            errors["secret"] = ["The secret must be 'whsec_' followed by base64 of 24 to 64 random bytes, or left out to have one generated."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The subscription is not valid");
        }

        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            Department = node.Value.Id,
            Channel = Channels.Webhook,
            EventTypes = eventTypes,
            Url = input.Url,
            Secret = input.Secret ?? $"whsec_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}",
            CreatedAt = clock.GetUtcNow(),
        };
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/notify/subscriptions/{subscription.Id}", SubscriptionView.From(subscription, includeSecret: true));
    }

    internal static async Task<Ok<SubscriptionView[]>> ListSubscriptions(NotificationDbContext db, CancellationToken cancellationToken)
    {
        var subscriptions = await db.Subscriptions.AsNoTracking().OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(subscriptions.Select(s => SubscriptionView.From(s, includeSecret: false)).ToArray());
    }

    internal static async Task<Results<Ok<SubscriptionView>, NotFound>> GetSubscription(Guid id, NotificationDbContext db, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        return subscription is null ? TypedResults.NotFound() : TypedResults.Ok(SubscriptionView.From(subscription, includeSecret: false));
    }

    internal static async Task<Results<NoContent, NotFound>> DeleteSubscription(Guid id, NotificationDbContext db, CancellationToken cancellationToken)
    {
        var deleted = await db.Subscriptions.Where(s => s.Id == id).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<DeliveryView[]>, NotFound>> ListDeliveries(Guid id, NotificationDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Subscriptions.AnyAsync(s => s.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        var deliveries = await db.Deliveries.AsNoTracking().Where(d => d.SubscriptionId == id).OrderByDescending(d => d.Sequence).Take(500)
            .ToListAsync(cancellationToken);
        return TypedResults.Ok(deliveries.Select(d => new DeliveryView(d.Id, d.MessageId, d.EventType, d.Status.ToString().ToLowerInvariant(),
            d.Attempts, d.CreatedAt, d.DeliveredAt, d.NextAttemptAt, d.LastStatusCode, d.LastError)).ToArray());
    }

    private static bool IsValidSecret(string secret)
    {
        if (!secret.StartsWith("whsec_", StringComparison.Ordinal))
        {
            return false;
        }
        var bytes = new byte[128];
        return Convert.TryFromBase64String(secret["whsec_".Length..], bytes, out var length) && length is >= 24 and <= 64;
    }
}

/// <summary>A new subscription: channel <c>webhook</c>, the event types, the receiver URL and optionally its own <c>whsec_</c> secret.</summary>
public sealed record SubscriptionInput(string Channel, string[]? EventTypes, string? Url, string? Secret);

/// <summary>A subscription; <see cref="Secret"/> is shown only in the answer to its creation.</summary>
public sealed record SubscriptionView(Guid Id, string Channel, IReadOnlyList<string> EventTypes, string? Url, string? Secret, DateTimeOffset CreatedAt)
{
    public static SubscriptionView From(Subscription s, bool includeSecret) =>
        new(s.Id, s.Channel, s.EventTypes, s.Url, includeSecret ? s.Secret : null, s.CreatedAt);
}

/// <summary>One delivery attempt series of one event to one subscription.</summary>
public sealed record DeliveryView(
    Guid Id, Guid MessageId, string EventType, string Status, int Attempts, DateTimeOffset CreatedAt, DateTimeOffset? DeliveredAt,
    DateTimeOffset NextAttemptAt, int? LastStatusCode, string? LastError);
