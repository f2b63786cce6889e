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
        api.MapPost("/", CreateSubscription).WithSummary("Subscribe a webhook or the in-app inbox to event types; a webhook's answer carries its signing secret, once.");
        api.MapGet("/", ListSubscriptions).WithSummary("This department's subscriptions (secrets not shown).");
        api.MapGet("/{id:guid}", GetSubscription);
        api.MapDelete("/{id:guid}", DeleteSubscription);
        api.MapGet("/{id:guid}/deliveries", ListDeliveries).WithSummary("Delivery history of one subscription, newest first (status=pending|delivered|dead).");
        return app;
    }

    internal static async Task<Results<Created<SubscriptionView>, ValidationProblem>> CreateSubscription(
        SubscriptionInput input, NotificationDbContext db, WebhookTargetGuard guard, SecretProtector secrets, IOptions<NodeOptions> node,
        IOptions<SmtpOptions> smtp, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var channel = input.Channel ?? Channels.Webhook;
        if (!Channels.All.Contains(channel))
        {
            errors["channel"] = [$"'{input.Channel}' is not a supported channel; use one of: {string.Join(", ", Channels.All)}."];
        }
        var eventTypes = input.EventTypes?.Distinct().ToList() ?? [];
        var unknown = eventTypes.Where(t => t != "*" && !EventTypes.All.Contains(t)).ToList();
        if (eventTypes.Count == 0 || unknown.Count > 0)
        {
            errors["eventTypes"] = [$"Name one or more of: {string.Join(", ", EventTypes.All)} (or *).{(unknown.Count > 0 ? $" Unknown: {string.Join(", ", unknown)}." : "")}"];
        }
        if (channel == Channels.Webhook)
        {
            if (await guard.CheckAsync(input.Url, cancellationToken) is { } refused)
            {
                errors["url"] = [refused];
            }
            if (input.Secret is not null && !IsValidSecret(input.Secret))
            {
                errors["secret"] = ["The secret must be 'whsec_' followed by base64 of 24 to 64 random bytes, or left out to have one generated."];
            }
        }
        else if (input.Url is not null || input.Secret is not null)
        {
            errors[input.Url is not null ? "url" : "secret"] = [$"Only webhook subscriptions take a URL and a secret; this one is '{channel}'."];
        }
        if (channel == Channels.Email)
        {
            if (!smtp.Value.Configured)
            {
                errors["channel"] = ["This node has no SMTP server configured (Notification:Smtp:Host), so it cannot send e-mail."];
            }
            if (!MimeKit.MailboxAddress.TryParse(input.Email, out var address) || address.Address.Count(c => c == '@') != 1 || input.Email!.Length > 320)
            {
                errors["email"] = ["Give the recipient's e-mail address, e.g. archives@example.gov.cn."];
            }
        }
        else if (input.Email is not null)
        {
            errors["email"] = [$"Only e-mail subscriptions take an address; this one is '{channel}'."];
        }
        var filters = input.Filters ?? new SubscriptionFilters(null, null, null);
        CheckFilter(errors, "filters.fonds", filters.Fonds, 50);
        CheckFilter(errors, "filters.categories", filters.Categories, 100);
        CheckFilter(errors, "filters.departments", filters.Departments, 40);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The subscription is not valid");
        }

        var secret = channel == Channels.Webhook ? input.Secret ?? $"whsec_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}" : null;
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            Department = node.Value.Id,
            Channel = channel,
            EventTypes = eventTypes,
            Url = input.Url,
            Email = channel == Channels.Email ? input.Email : null,
            Secret = secret is null ? null : secrets.Protect(secret),
            Fonds = filters.Fonds?.Distinct().ToList() ?? [],
            Categories = filters.Categories?.Distinct().ToList() ?? [],
            Departments = filters.Departments?.Distinct().ToList() ?? [],
            CreatedAt = clock.GetUtcNow(),
        };
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/notify/subscriptions/{subscription.Id}", SubscriptionView.From(subscription) with { Secret = secret });
    }

    internal static async Task<Ok<SubscriptionView[]>> ListSubscriptions(NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => s.Department == node.Value.Id).OrderBy(s => s.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(subscriptions.Select(SubscriptionView.From).ToArray());
    }

    internal static async Task<Results<Ok<SubscriptionView>, NotFound>> GetSubscription(
        Guid id, NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id && s.Department == node.Value.Id, cancellationToken);
        return subscription is null ? TypedResults.NotFound() : TypedResults.Ok(SubscriptionView.From(subscription));
    }

    internal static async Task<Results<NoContent, NotFound>> DeleteSubscription(
        Guid id, NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var deleted = await db.Subscriptions.Where(s => s.Id == id && s.Department == node.Value.Id).ExecuteDeleteAsync(cancellationToken);
        return deleted == 0 ? TypedResults.NotFound() : TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<DeliveryView[]>, NotFound, ValidationProblem>> ListDeliveries(
        Guid id, string? status, int? limit, NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        if (DeliveriesApi.ParseStatus(status, out var wanted) is { } invalid)
        {
            return invalid;
        }
        if (!await db.Subscriptions.AnyAsync(s => s.Id == id && s.Department == node.Value.Id, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        var query = db.Deliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        if (wanted is not null)
        {
            query = query.Where(d => d.Status == wanted);
        }
        var deliveries = await query.OrderByDescending(d => d.Sequence).Take(Math.Clamp(limit ?? 500, 1, 1000)).ToListAsync(cancellationToken);
        return TypedResults.Ok(deliveries.Select(DeliveryView.From).ToArray());
    }

    private static void CheckFilter(Dictionary<string, string[]> errors, string field, string[]? values, int maxLength)
    {
        if (values is not null && (values.Length > 100 || values.Any(v => string.IsNullOrWhiteSpace(v) || v.Length > maxLength)))
        {
            errors[field] = [$"Give at most 100 non-empty values of at most {maxLength} characters each."];
        }
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

/// <summary>
/// A new subscription: channel <c>webhook</c> (with the receiver URL and optionally its own <c>whsec_</c> secret),
/// <c>email</c> (with the recipient address) or <c>inbox</c>, the event types, and optional filters.
/// </summary>
public sealed record SubscriptionInput(string? Channel, string[]? EventTypes, string? Url, string? Secret, string? Email, SubscriptionFilters? Filters);

/// <summary>Only events whose record is of one of these fonds (全宗号), categories (类别), or comes from one of these departments.</summary>
public sealed record SubscriptionFilters(string[]? Fonds, string[]? Categories, string[]? Departments);

/// <summary>A subscription; <see cref="Secret"/> is shown only in the answer to its creation.</summary>
public sealed record SubscriptionView(
    Guid Id, string Channel, IReadOnlyList<string> EventTypes, string? Url, string? Email, string? Secret, SubscriptionFilters Filters,
    DateTimeOffset CreatedAt)
{
    public static SubscriptionView From(Subscription s) =>
        new(s.Id, s.Channel, s.EventTypes, s.Url, s.Email, null, new SubscriptionFilters([.. s.Fonds], [.. s.Categories], [.. s.Departments]), s.CreatedAt);
}

/// <summary>One event's delivery to one webhook subscription: its state and the last attempt's outcome.</summary>
public sealed record DeliveryView(
    Guid Id, Guid SubscriptionId, Guid MessageId, string EventType, string Status, int Attempts, int Replays, DateTimeOffset CreatedAt,
    DateTimeOffset? DeliveredAt, DateTimeOffset NextAttemptAt, int? LastStatusCode, string? LastError)
{
    public static DeliveryView From(Delivery d) => new(d.Id, d.SubscriptionId, d.MessageId, d.EventType, d.Status.ToString().ToLowerInvariant(),
        d.Attempts, d.Replays, d.CreatedAt, d.DeliveredAt, d.NextAttemptAt, d.LastStatusCode, d.LastError);
}
