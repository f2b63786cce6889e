using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Notification.Infrastructure;
using StandardWebhooks;

namespace Platform.Notification.Model;

/// <summary>
/// Sends due webhook deliveries, signed per the Standard Webhooks specification, oldest first per subscription
/// (a subscription's next delivery waits while an earlier one is still pending). Failures are retried with
/// exponential backoff and jitter; after the last attempt a delivery is dead-lettered.
/// </summary>
public sealed partial class WebhookDispatcher(
    IServiceScopeFactory scopes,
    IHttpClientFactory httpClients,
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
                await Task.Delay(TimeSpan.FromMilliseconds(250), clock, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    internal async Task<int> DeliverDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var now = clock.GetUtcNow();
        var due = await db.Deliveries.FromSqlInterpolated($"""
            SELECT d.* FROM deliveries d
            WHERE d.status = 'Pending' AND d.next_attempt_at <= {now}
              AND NOT EXISTS (SELECT 1 FROM deliveries e
                              WHERE e.subscription_id = d.subscription_id AND e.status = 'Pending' AND e.sequence < d.sequence)
            ORDER BY d.sequence LIMIT 50
            FOR UPDATE SKIP LOCKED
            """).ToListAsync(cancellationToken);
        if (due.Count == 0)
        {
            return 0;
        }

        var subscriptionIds = due.Select(d => d.SubscriptionId).Distinct().ToList();
        var subscriptions = await db.Subscriptions.AsNoTracking().Where(s => subscriptionIds.Contains(s.Id)).ToDictionaryAsync(s => s.Id, cancellationToken);
        await Parallel.ForEachAsync(due, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken },
            async (delivery, ct) => await SendAsync(delivery, subscriptions[delivery.SubscriptionId], ct));

        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return due.Count;
    }

    private async Task SendAsync(Delivery delivery, Subscription subscription, CancellationToken cancellationToken)
    {
        var timestamp = clock.GetUtcNow();
        var webhookId = delivery.Id.ToString();
        using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url)
        {
            Content = new StringContent(delivery.Payload, Encoding.UTF8, new MediaTypeHeaderValue("application/json")),
        };
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", new StandardWebhook(subscription.Secret!).Sign(webhookId, timestamp, delivery.Payload));

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
                return;
            }
            Fail(delivery, $"Receiver answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            Fail(delivery, ex is OperationCanceledException ? $"No answer within {options.Value.Timeout.TotalSeconds:0} s." : ex.Message);
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
        var backoff = options.Value.FirstRetryDelay * Math.Pow(2, delivery.Attempts - 1);
        var capped = backoff < options.Value.MaxRetryDelay ? backoff : options.Value.MaxRetryDelay;
        // Full jitter between half and all of the delay, so many failing receivers do not retry in lockstep.
        delivery.NextAttemptAt = clock.GetUtcNow() + capped * (0.5 + Random.Shared.NextDouble() / 2);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook dispatch round failed; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Webhook delivery {DeliveryId} dead-lettered after {Attempts} attempts: {Reason}")]
    private static partial void LogDeadLettered(ILogger logger, Guid deliveryId, int attempts, string reason);
}
