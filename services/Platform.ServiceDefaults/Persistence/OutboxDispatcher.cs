using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Persistence;

public sealed class OutboxOptions
{
    public const string Section = "Outbox";

    public int BatchSize { get; set; } = 500;
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetainDispatched { get; set; } = TimeSpan.FromDays(7);
}

/// <summary>
/// Publishes committed outbox rows in order and marks them dispatched. Rows are locked with SKIP LOCKED, so
/// replicas of a service share the work; a row published but not marked (crash) is published again with the
/// same message id, which consumers' inboxes turn into a no-op.
/// </summary>
public sealed partial class OutboxDispatcher<TContext>(
    IServiceScopeFactory scopes,
    IBus bus,
    OutboxSignal signal,
    IOptions<OutboxOptions> options,
    TimeProvider clock,
    ILogger<OutboxDispatcher<TContext>> logger) : BackgroundService
    where TContext : PlatformDbContext
{
    private static readonly System.Reflection.Assembly Contracts = typeof(Contracts.RecordPublished).Assembly;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var failures = 0;
        var lastCleanup = DateTimeOffset.MinValue;
        while (!stoppingToken.IsCancellationRequested)
        {
            int published;
            try
            {
                published = await DispatchBatchAsync(stoppingToken);
                failures = 0;
                if (clock.GetUtcNow() - lastCleanup > TimeSpan.FromHours(1))
                {
                    await DeleteOldDispatchedAsync(stoppingToken);
                    lastCleanup = clock.GetUtcNow();
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                failures++;
                LogDispatchFailed(logger, ex);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5_000, 250 * Math.Pow(2, failures))), clock, stoppingToken);
                continue;
            }
            catch (OperationCanceledException)
            {
                break;
            }

            if (published < options.Value.BatchSize)
            {
                await WaitForWorkAsync(stoppingToken);
            }
        }
    }

    /// <summary>Publishes one batch; returns how many rows were published.</summary>
    internal async Task<int> DispatchBatchAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);

        var batch = await db.OutboxMessages
            .FromSqlRaw($"SELECT * FROM {OutboxMessageConfiguration.Table} WHERE dispatched_at IS NULL ORDER BY sequence LIMIT {{0}} FOR UPDATE SKIP LOCKED", options.Value.BatchSize)
            .ToListAsync(cancellationToken);

        // Publishes are started in sequence order and their confirms awaited together: the broker sees them in
        // order, and a batch costs about one confirm round trip instead of one per message.
        var publishing = batch.Select(message => PublishAsync(message, cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(publishing);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Each failure is recorded on its row below; the rows are retried (same message id) next round.
        }

        var now = clock.GetUtcNow();
        var dispatched = new List<long>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (publishing[i].IsCompletedSuccessfully)
            {
                dispatched.Add(batch[i].Sequence);
                continue;
            }
            var reason = publishing[i].Exception?.GetBaseException().Message ?? "cancelled";
            batch[i].Attempts++;
            batch[i].LastError = reason.Length > 2000 ? reason[..2000] : reason;
            LogPublishFailed(logger, batch[i].MessageId, batch[i].MessageType, reason);
        }

        // One statement marks the whole batch; only failed rows go through change tracking.
        if (dispatched.Count > 0)
        {
            await db.OutboxMessages.Where(m => dispatched.Contains(m.Sequence))
                .ExecuteUpdateAsync(update => update.SetProperty(m => m.DispatchedAt, now), cancellationToken);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return dispatched.Count;
    }

    private async Task PublishAsync(OutboxMessage message, CancellationToken cancellationToken)
    {
        var type = Contracts.GetType(message.MessageType)
            ?? throw new InvalidOperationException($"Unknown message type '{message.MessageType}'.");
        var body = JsonSerializer.Deserialize(message.Body, type, JsonSerializerOptions.Web)!;

        ActivityContext.TryParse(message.TraceParent, message.TraceState, out var parent);
        using var activity = Telemetry.Source.StartActivity($"outbox publish {type.Name}", ActivityKind.Producer, parent);
        activity?.SetTag("messaging.message.id", message.MessageId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        await bus.Publish(body, type, context => context.MessageId = message.MessageId, timeout.Token);
    }

    private async Task DeleteOldDispatchedAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var cutoff = clock.GetUtcNow() - options.Value.RetainDispatched;
        await db.OutboxMessages.Where(m => m.DispatchedAt != null && m.DispatchedAt < cutoff).ExecuteDeleteAsync(cancellationToken);
    }

    private async Task WaitForWorkAsync(CancellationToken stoppingToken)
    {
        try
        {
            await signal.WaitAsync(options.Value.PollInterval, stoppingToken);
        }
        catch (OperationCanceledException)
        {
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox dispatch failed; will retry")]
    private static partial void LogDispatchFailed(ILogger logger, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Publishing outbox message {MessageId} ({MessageType}) failed: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, Guid messageId, string messageType, string reason);
}
