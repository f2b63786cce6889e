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

    /// <summary>
    /// Consecutive record events (published, updated, withdrawn) go out together, up to this many in one
    /// <see cref="Contracts.RecordEventBatch"/>; 1 publishes each on its own. 500 (one dispatch round's worth) rather than
    /// 100: every run costs each of the 8 receiving services a transaction, an inbox statement, a context and a trip through
    /// MassTransit, and the database and broker their commits; in the events benchmark 0.42 instead of 0.70 ms of CPU per
    /// event, 3,571 instead of 1,780 events/s.
    /// </summary>
    public int RecordEventBatchSize { get; set; } = 500;
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

        // The next rows are read in sequence order from the pending index, which stops after the limit. While the table's
        // statistics still say few rows are pending (a burst into the outbox), the planner otherwise takes a bitmap scan
        // of that index and sorts: it visits every pending entry, and the entries of rows dispatched since the last vacuum
        // (a bitmap scan never marks them dead), 40,000 after a burst of 20,000 events: 27 ms a round instead of 7, 14% of the
        // database's time in the events benchmark (pg_stat_statements). Only this transaction is affected.
        await db.Database.ExecuteSqlRawAsync("SET LOCAL enable_bitmapscan = off", cancellationToken);
        // The rows are chosen and locked by sequence number alone, then read: when the planner sorts the pending rows (it
        // does while the table's statistics still say it is small, as after a burst of pushes), it sorts numbers, not bodies.
        var batch = await db.OutboxMessages
            .FromSqlRaw($"WITH next AS (SELECT sequence FROM {OutboxMessageConfiguration.Table} WHERE dispatched_at IS NULL ORDER BY sequence LIMIT {{0}} FOR UPDATE SKIP LOCKED) SELECT o.* FROM {OutboxMessageConfiguration.Table} o JOIN next ON o.sequence = next.sequence ORDER BY o.sequence", options.Value.BatchSize)
            .ToListAsync(cancellationToken);

        // Publishes are started in sequence order and their confirms awaited together: the broker sees them in
        // order, and a batch costs about one confirm round trip instead of one per message. Consecutive record
        // events travel as one message (a unit of several rows); any other row is a unit of its own.
        var units = Units(batch);
        var publishing = units.Select(unit => IsRecordEvent(unit[0]) && options.Value.RecordEventBatchSize > 1
            ? PublishRecordEventsAsync(unit, cancellationToken)
            : PublishAsync(unit[0], cancellationToken)).ToList();
        try
        {
            await Task.WhenAll(publishing);
        }
        catch (Exception) when (!cancellationToken.IsCancellationRequested)
        {
            // Each failure is recorded on its rows below; the rows are retried (same message ids) next round.
        }

        var now = clock.GetUtcNow();
        var dispatched = new List<long>(batch.Count);
        for (var i = 0; i < units.Count; i++)
        {
            if (publishing[i].IsCompletedSuccessfully)
            {
                dispatched.AddRange(units[i].Select(row => row.Sequence));
                continue;
            }
            var reason = publishing[i].Exception?.GetBaseException().Message ?? "cancelled";
            foreach (var row in units[i])
            {
                row.Attempts++;
                row.LastError = reason.Length > 2000 ? reason[..2000] : reason;
                LogPublishFailed(logger, row.MessageId, row.MessageType, reason);
            }
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

    private static readonly HashSet<string> RecordEventTypes =
        [typeof(Contracts.RecordPublished).FullName!, typeof(Contracts.RecordUpdated).FullName!, typeof(Contracts.RecordWithdrawn).FullName!];

    private static bool IsRecordEvent(OutboxMessage message) => RecordEventTypes.Contains(message.MessageType);

    /// <summary>The batch in order, cut into publish units: runs of record events up to the batch size, other rows alone.</summary>
    private List<List<OutboxMessage>> Units(List<OutboxMessage> batch)
    {
        var units = new List<List<OutboxMessage>>();
        foreach (var message in batch)
        {
            if (IsRecordEvent(message) && units.Count > 0 && IsRecordEvent(units[^1][0]) && units[^1].Count < options.Value.RecordEventBatchSize)
            {
                units[^1].Add(message);
                continue;
            }
            units.Add([message]);
        }
        return units;
    }

    private Task PublishAsync(OutboxMessage message, CancellationToken cancellationToken) =>
        PublishAsync(Deserialize(message), message.MessageId, message, "", cancellationToken);

    private Task PublishRecordEventsAsync(List<OutboxMessage> rows, CancellationToken cancellationToken)
    {
        var entries = rows.Select(row => Deserialize(row) switch
        {
            Contracts.RecordPublished published => new Contracts.RecordEventEntry(row.MessageId, Published: published),
            Contracts.RecordUpdated updated => new Contracts.RecordEventEntry(row.MessageId, Updated: updated),
            Contracts.RecordWithdrawn withdrawn => new Contracts.RecordEventEntry(row.MessageId, Withdrawn: withdrawn),
            var other => throw new InvalidOperationException($"{other.GetType().Name} is not a record event."),
        }).ToList();
        var department = entries[0].Published?.Department ?? entries[0].Updated?.Department ?? entries[0].Withdrawn!.Department;
        // The run is traced under its first event's trace; each event keeps its own id inside.
        return PublishAsync(new Contracts.RecordEventBatch(department, entries), Guid.CreateVersion7(), rows[0], $" ({rows.Count} events)", cancellationToken);
    }

    private static object Deserialize(OutboxMessage message)
    {
        var type = Contracts.GetType(message.MessageType)
            ?? throw new InvalidOperationException($"Unknown message type '{message.MessageType}'.");
        return JsonSerializer.Deserialize(message.Body, type, JsonSerializerOptions.Web)!;
    }

    private async Task PublishAsync(object body, Guid messageId, OutboxMessage traced, string detail, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.StartStoredSend($"outbox publish {body.GetType().Name}{detail}", traced.TraceParent, traced.TraceState, messageId);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.PublishTimeout);
        await bus.Publish(body, body.GetType(), context => context.MessageId = messageId, timeout.Token);
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
