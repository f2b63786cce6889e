using System.Runtime.ExceptionServices;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// <see cref="IdempotentConsumer{TContext, TMessage}"/> for high-volume events (every record event reaches every
/// service of every node): a batch of messages commits in one transaction, with one inbox insert for all their ids,
/// so a burst costs a few round trips instead of a transaction per message. Messages are handled in arrival order.
/// <para>
/// When a batch fails for a reason that is not the database being away, each of its messages is applied again in its own
/// transaction, so one bad message cannot hold back the others: every good one commits (its inbox row makes a later
/// redelivery a no-op) and is acknowledged on its own, and only the bad ones fault. Each of those goes through the
/// endpoint's retry and finally to its <c>_error</c> queue with its own reason (see <see cref="Messaging.BusExtensions"/>).
/// </para>
/// Register it with <see cref="IdempotentBatchConsumerDefinition{TConsumer}"/> (or a definition of its own).
/// </summary>
public abstract class IdempotentBatchConsumer<TContext, TMessage>(TContext db) : IConsumer<Batch<TMessage>>, IEventBatchHandler<TMessage>
    where TContext : PlatformDbContext
    where TMessage : class
{
    protected TContext Db { get; } = db;

    public Task Consume(ConsumeContext<Batch<TMessage>> context) =>
        HandleEventsAsync([.. context.Message.Select(m => new Delivered<TMessage>(m.MessageId, m.Message, m))], context.CancellationToken);

    /// <summary>Applies events however they arrived: a batch of single messages, or a run of a <see cref="Contracts.RecordEventBatch"/>.</summary>
    public async Task HandleEventsAsync(IReadOnlyList<Delivered<TMessage>> delivered, CancellationToken cancellationToken)
    {
        var messages = delivered.Where(m => Concerns(m.Message)).ToList();
        if (messages.Count == 0)
        {
            return;
        }
        try
        {
            await CommitAsync(messages, cancellationToken);
            return;
        }
        catch (Exception exception) when (messages.Count == 1 && !IsTransient(exception) && !cancellationToken.IsCancellationRequested)
        {
            // The others of the batch were of no concern: they must not fault with this one.
            await AcknowledgeAllButAsync(delivered, messages[0]);
            throw;
        }
        catch (Exception exception) when (messages.Count > 1 && !IsTransient(exception) && !cancellationToken.IsCancellationRequested)
        {
            Db.ChangeTracker.Clear();
        }

        var failures = new List<(Delivered<TMessage> Message, Exception Exception)>();
        foreach (var message in messages)
        {
            try
            {
                await CommitAsync([message], cancellationToken);
            }
            // The database went away meanwhile: the whole batch is retried (what committed is a no-op then).
            catch (Exception exception) when (!IsTransient(exception) && !cancellationToken.IsCancellationRequested)
            {
                Db.ChangeTracker.Clear();
                failures.Add((message, exception));
            }
        }
        if (failures.Count == 0)
        {
            return;
        }
        await AcknowledgeAllButAsync(delivered, [.. failures.Select(f => f.Message)]);
        if (failures.Count == 1)
        {
            ExceptionDispatchInfo.Throw(failures[0].Exception);
        }
        throw new BatchMessagesFailedException([.. failures.Select(f => (f.Message.MessageId, f.Exception))]);
    }

    /// <summary>
    /// Marks every message but <paramref name="failed"/> as consumed, so that when the batch faults MassTransit faults only
    /// the failed ones (its batch consumer leaves a message that was marked delivered alone); a run of a
    /// <see cref="Contracts.RecordEventBatch"/> has no contexts of its own and faults as one message.
    /// </summary>
    private async Task AcknowledgeAllButAsync(IReadOnlyList<Delivered<TMessage>> delivered, params IReadOnlyCollection<Delivered<TMessage>> failed)
    {
        foreach (var message in delivered)
        {
            if (message.Context is { } context && !failed.Any(f => ReferenceEquals(f, message)))
            {
                await context.NotifyConsumed(context, context.ReceiveContext.ElapsedTime, GetType().Name);
            }
        }
    }

    /// <summary>Failures that say nothing about the messages (the database restarting, a connection lost, a deadlock).</summary>
    private static bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException => true,
        DbUpdateException { InnerException: { } inner } => IsTransient(inner),
        InvalidOperationException { InnerException: { } inner } => IsTransient(inner),
        _ => false,
    };

    /// <summary>
    /// Whether this node has anything to do with <paramref name="message"/>; messages it does not concern are skipped
    /// without touching the database (events are published to every node).
    /// </summary>
    protected virtual bool Concerns(TMessage message) => true;

    /// <summary>Changes state for new messages, in order; do not call SaveChanges, the base class commits.</summary>
    protected virtual async Task HandleBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        foreach (var message in messages)
        {
            await HandleAsync(message, cancellationToken);
        }
    }

    /// <summary>
    /// Changes state for one new message. Earlier messages of the same batch are tracked but not saved yet: look
    /// entities up with <c>FindAsync</c> or <c>DbSet.Local</c> (which see them), not with a query. Automatic change
    /// detection is off while a batch is handled: changes are detected once, after the last message.
    /// </summary>
    protected abstract Task HandleAsync(Delivered<TMessage> context, CancellationToken cancellationToken);

    private async Task CommitAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        var consumer = GetType().Name;
        var ids = messages.Select(m => m.MessageId ?? throw new InvalidOperationException($"{typeof(TMessage).Name} arrived without a message id."))
            .ToArray();

        await using var transaction = await Db.Database.BeginTransactionAsync(cancellationToken);
        var fresh = (await Db.Database
            .SqlQuery<Guid>($"""
                INSERT INTO inbox_messages (message_id, consumer, processed_at)
                SELECT id, {consumer}, now() FROM unnest({ids}) AS id
                ON CONFLICT DO NOTHING RETURNING message_id AS "Value"
                """)
            .ToListAsync(cancellationToken)).ToHashSet();
        if (fresh.Count == 0)
        {
            return;
        }

        // A message id seen twice in one batch (a redelivery racing its original) is handled once.
        var news = messages.Where(m => fresh.Remove(m.MessageId!.Value)).ToList();
        // Handlers look entities up among the tracked ones (DbSet.Local) once per message; with automatic change
        // detection each lookup would scan every tracked entity, quadratic in the batch (17% of a consumer's CPU,
        // measured). Changes are detected once, before saving.
        var autoDetect = Db.ChangeTracker.AutoDetectChangesEnabled;
        Db.ChangeTracker.AutoDetectChangesEnabled = false;
        try
        {
            await HandleBatchAsync(news, cancellationToken);
            Db.ChangeTracker.DetectChanges();
        }
        finally
        {
            Db.ChangeTracker.AutoDetectChangesEnabled = autoDetect;
        }
        await Db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }
}

/// <summary>
/// One event as a consumer sees it: its id (the inbox key), its content, and the message it came in when it came alone
/// (so it can be acknowledged apart from the rest of its batch).
/// </summary>
public sealed record Delivered<TMessage>(Guid? MessageId, TMessage Message, ConsumeContext<TMessage>? Context = null) where TMessage : class;

/// <summary>Applies a run of events of one type, idempotently, in order (see <see cref="IdempotentBatchConsumer{TContext, TMessage}"/>).</summary>
public interface IEventBatchHandler<TMessage> where TMessage : class
{
    Task HandleEventsAsync(IReadOnlyList<Delivered<TMessage>> delivered, CancellationToken cancellationToken);
}

/// <summary>
/// Batches of up to 100 messages or 20 ms, one batch at a time per queue: events are applied in the order they were
/// published, and a burst holds one database connection. A lone message waits at most the time limit.
/// </summary>
public class IdempotentBatchConsumerDefinition<TConsumer> : ConsumerDefinition<TConsumer>
    where TConsumer : class, IConsumer
{
    public const int MessageLimit = 100;

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<TConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = MessageLimit * 2;
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(MessageLimit)
            .SetTimeLimit(TimeSpan.FromMilliseconds(20))
            .SetConcurrencyLimit(1));
    }
}
