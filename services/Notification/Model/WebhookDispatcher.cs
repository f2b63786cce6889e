using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Notification.Infrastructure;
using Platform.ServiceDefaults;
using StandardWebhooks;

namespace Platform.Notification.Model;

/// <summary>
/// Sends due deliveries — webhooks signed per the Standard Webhooks specification, and e-mails — in order per
/// subscription. Each subscription whose oldest pending delivery is due gets its own drain task (up to
/// <see cref="WebhookOptions.Concurrency"/> at once, so a slow receiver holds up only itself): it locks the
/// subscription, sends that delivery and the ones queued behind it one after another, and stops at the first
/// failure (so a receiver that is back drains its backlog at once). Failures are retried with exponential backoff
/// and jitter, capped at <see cref="WebhookOptions.MaxRetryDelay"/>; after the last attempt a delivery is
/// dead-lettered and the next one takes its turn.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    DeliverySignal signal,
    IHttpClientFactory httpClients,
    SecretProtector secrets,
    EmailSender email,
    IOptions<WebhookOptions> options,
    TimeProvider clock,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    public const string HttpClientName = "webhooks";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var draining = new Dictionary<Guid, Task<int>>();
        Task? pause = null;
        while (!stoppingToken.IsCancellationRequested)
        {
            foreach (var (id, _) in draining.Where(d => d.Value.IsCompleted).ToList())
            {
                draining.Remove(id);
            }
            var free = options.Value.Concurrency - draining.Count;
            if (free > 0)
            {
                try
                {
                    foreach (var id in await DueSubscriptionsAsync([.. draining.Keys], free, stoppingToken))
                    {
                        draining[id] = DrainGuardedAsync(id, stoppingToken);
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogDispatchFailed(logger, ex);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
            // New deliveries committed here wake the dispatcher at once; the poll finds retries that fell due and
            // deliveries another replica queued. One wait at a time: a wait left behind when a drain ended first would
            // still take the next wake-up, and the dispatcher would sleep through it.
            pause ??= signal.WaitAsync(options.Value.PollInterval, stoppingToken);
            var first = await Task.WhenAny(draining.Values.Cast<Task>().Append(pause));
            // A drain that found nothing to do (e.g. another replica holds the subscription) is no reason to look again at once.
            if (first != pause && first is Task<int> { IsCompletedSuccessfully: true, Result: 0 })
            {
                await pause.ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (pause.IsCompleted)
            {
                pause = null;
            }
        }
        await Task.WhenAll(draining.Values).ContinueWith(_ => { }, TaskScheduler.Default);
    }

    /// <summary>Subscriptions whose oldest pending delivery is due, other than those already being drained here.</summary>
    internal async Task<List<Guid>> DueSubscriptionsAsync(Guid[] busy, int limit, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        var now = clock.GetUtcNow();
        return await db.Database.SqlQuery<Guid>($"""
            SELECT s.id AS "Value" FROM subscriptions s
            WHERE s.channel IN ('webhook', 'email') AND s.id <> ALL({busy}) AND EXISTS (
                SELECT 1 FROM deliveries h
                WHERE h.subscription_id = s.id AND h.status = 'Pending' AND h.next_attempt_at <= {now}
                  AND NOT EXISTS (SELECT 1 FROM deliveries e
                                  WHERE e.subscription_id = s.id AND e.status = 'Pending' AND e.sequence < h.sequence))
            LIMIT {limit}
            """).ToListAsync(cancellationToken);
    }

    private async Task<int> DrainGuardedAsync(Guid subscriptionId, CancellationToken cancellationToken)
    {
        try
        {
            return await DrainAsync(subscriptionId, cancellationToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            LogDispatchFailed(logger, ex);
            return 0;
        }
        catch (OperationCanceledException)
        {
            return 0;
        }
    }

    /// <summary>Sends one subscription's due deliveries in order; returns how many attempts it made.</summary>
    internal async Task<int> DrainAsync(Guid subscriptionId, CancellationToken cancellationToken)
    {
        await Task.Yield();
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // FOR NO KEY UPDATE: one drain per subscription across replicas, as FOR UPDATE would be, but without blocking the
        // foreign-key check (FOR KEY SHARE) of each delivery the event consumers queue for this subscription meanwhile. With
        // FOR UPDATE every new delivery waited for the running drain, HTTP calls included, to commit: at 50 pushed records/s
        // the consumer fell behind by seconds (webhook benchmark).
        var subscription = (await db.Subscriptions.FromSqlInterpolated($"SELECT * FROM subscriptions WHERE id = {subscriptionId} FOR NO KEY UPDATE SKIP LOCKED")
            .AsNoTracking().ToListAsync(cancellationToken)).SingleOrDefault();
        if (subscription is null)
        {
            return 0;
        }
        var queue = await db.Deliveries.Where(d => d.SubscriptionId == subscriptionId && d.Status == DeliveryStatus.Pending)
            .OrderBy(d => d.Sequence).Take(options.Value.BatchPerSubscription).ToListAsync(cancellationToken);
        var secret = subscription.Secret is null ? null : secrets.Unprotect(subscription.Secret);
        var now = clock.GetUtcNow();
        var attempts = 0;
        foreach (var delivery in queue)
        {
            if (delivery.NextAttemptAt > now)
            {
                break;
            }
            attempts++;
            var sent = subscription.Channel == Channels.Email
                ? await MailAsync(delivery, subscription, cancellationToken)
                : await SendAsync(delivery, subscription, secret!, cancellationToken);
            if (!sent)
            {
                break;
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return attempts;
    }
    private async Task<bool> SendAsync(Delivery delivery, Subscription subscription, string secret, CancellationToken cancellationToken)
    {
        var timestamp = clock.GetUtcNow();
        var webhookId = delivery.Id.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhook(secret).Sign(webhookId, timestamp, delivery.Payload));

        delivery.Attempts++;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.Timeout);
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, timeout.Token);
            delivery.LastStatusCode = (int)response.StatusCode;
            if (response.IsSuccessStatusCode)
            {
                delivery.Status = DeliveryStatus.Delivered;
                delivery.DeliveredAt = clock.GetUtcNow();
                delivery.LastError = null;
                Measure("webhook", "delivered");
                return true;
            }
            Fail(delivery, "webhook", $"Receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            delivery.LastStatusCode = null;
            Fail(delivery, "webhook", ex is OperationCanceledException ? $"No answer within {options.Value.Timeout.TotalSeconds:0} s." : ex.Message);
        }
        return false;
    }

    private async Task<bool> MailAsync(Delivery delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        delivery.Attempts++;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(options.Value.Timeout);
            await email.SendAsync(delivery, subscription, timeout.Token);
            delivery.Status = DeliveryStatus.Delivered;
            delivery.DeliveredAt = clock.GetUtcNow();
            delivery.LastError = null;
            Measure("email", "delivered");
            return true;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.CommandException
                                       or MailKit.Security.AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail(delivery, "email", ex is OperationCanceledException ? $"The SMTP server did not answer within {options.Value.Timeout.TotalSeconds:0} s." : ex.Message);
            return false;
        }
    }

    private void Fail(Delivery delivery, string channel, string reason)
    {
        delivery.LastError = reason;
        if (delivery.Attempts >= options.Value.MaxAttempts)
        {
            delivery.Status = DeliveryStatus.Dead;
            LogDeadLettered(logger, delivery.Id, delivery.Attempts, reason);
            Measure(channel, "dead");
            return;
        }
        Measure(channel, "retry");
        delivery.NextAttemptAt = clock.GetUtcNow() + options.Value.RetryDelay(delivery.Attempts, Random.Shared.NextDouble());
    }

    private static void Measure(string channel, string outcome) =>
        PlatformMetrics.NotificationAttempts.Add(1, new("channel", channel), new("outcome", outcome));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch round failed; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} dead-lettered after {Attempts} attempts: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, Guid deliveryId, int attempts, string reason);
}
