using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Notification.Infrastructure;
using StandardWebhooks;

namespace Platform.Notification.Model;

/// <summary>
/// Sends due deliveries — webhooks signed per the Standard Webhooks specification, and e-mails — in order per subscription: each
/// round locks the subscriptions whose oldest pending delivery is due, then sends that delivery and the ones queued
/// behind it one after another, stopping at the first failure (so a receiver that is back drains its backlog at
/// once). Subscriptions are served concurrently. Failures are retried with exponential backoff and jitter, capped at
/// <see cref="WebhookOptions.MaxRetryDelay"/>; after the last attempt a delivery is dead-lettered and the next one
/// takes its turn.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
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
        while (!stoppingToken.IsCancellationRequested)
        {
            var sent = 0;
            try
            {
                sent = await DeliverDueAsync(stoppingToken);
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogDispatchFailed(logger, ex);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            if (sent == 0)
            {
                await Task.Delay(options.Value.PollInterval, clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    /// <summary>One round; returns how many delivery attempts it made.</summary>
    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = clock.GetUtcNow();
        var settings = options.Value;
        var subscriptions = await db.Subscriptions.FromSqlInterpolated($"""
            SELECT s.* FROM subscriptions s
            WHERE s.channel IN ('webhook', 'email') AND EXISTS (
                SELECT 1 FROM deliveries h
                WHERE h.subscription_id = s.id AND h.status = 'Pending' AND h.next_attempt_at <= {now}
                  AND NOT EXISTS (SELECT 1 FROM deliveries e
                                  WHERE e.subscription_id = s.id AND e.status = 'Pending' AND e.sequence < h.sequence))
            LIMIT {settings.SubscriptionsPerRound}
            FOR UPDATE SKIP LOCKED
            """).AsNoTracking().ToListAsync(cancellationToken);
        if (subscriptions.Count == 0)
        {
            return 0;
        }

        var ids = subscriptions.Select(s => s.Id).ToArray();
        var pending = await db.Deliveries.FromSqlInterpolated($"""
            SELECT d.* FROM deliveries d
            WHERE d.id IN (SELECT x.id FROM (
                SELECT p.id, row_number() OVER (PARTITION BY p.subscription_id ORDER BY p.sequence) AS position
                FROM deliveries p WHERE p.status = 'Pending' AND p.subscription_id = ANY({ids})) x
              WHERE x.position <= {settings.BatchPerSubscription})
            """).ToListAsync(cancellationToken);
        var queues = pending.GroupBy(d => d.SubscriptionId).ToDictionary(g => g.Key, g => g.OrderBy(d => d.Sequence).ToList());

        var attempts = 0;
        await Parallel.ForEachAsync(subscriptions, new ParallelOptions { MaxDegreeOfParallelism = settings.Concurrency, CancellationToken = cancellationToken },
            async (subscription, ct) =>
            {
                var secret = subscription.Secret is null ? null : secrets.Unprotect(subscription.Secret);
                foreach (var delivery in queues.GetValueOrDefault(subscription.Id, []))
                {
                    if (delivery.NextAttemptAt > now)
                    {
                        break;
                    }
                    Interlocked.Increment(ref attempts);
                    var sent = subscription.Channel == Channels.Email
                        ? await MailAsync(delivery, subscription, ct)
                        : await SendAsync(delivery, subscription, secret!, ct);
                    if (!sent)
                    {
                        break;
                    }
                }
            });

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
                return true;
            }
            Fail(delivery, $"Receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            delivery.LastStatusCode = null;
            Fail(delivery, ex is OperationCanceledException ? $"No answer within {options.Value.Timeout.TotalSeconds:0} s." : ex.Message);
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
            return true;
        }
        catch (Exception ex) when (ex is IOException or System.Net.Sockets.SocketException or MailKit.ProtocolException or MailKit.CommandException
                                       or MailKit.Security.AuthenticationException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail(delivery, ex is OperationCanceledException ? $"The SMTP server did not answer within {options.Value.Timeout.TotalSeconds:0} s." : ex.Message);
            return false;
        }
    }

    private void Fail(Delivery delivery, string reason)
    {
        delivery.LastError = reason;
        if (delivery.Attempts >= options.Value.MaxAttempts)
        {
            delivery.Status = DeliveryStatus.Dead;
            LogDeadLettered(logger, delivery.Id, delivery.Attempts, reason);
            return;
        }
        delivery.NextAttemptAt = clock.GetUtcNow() + options.Value.RetryDelay(delivery.Attempts, Random.Shared.NextDouble());
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch round failed; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} dead-lettered after {Attempts} attempts: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, Guid deliveryId, int attempts, string reason);
}
