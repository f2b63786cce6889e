using MassTransit;
using Microsoft.EntityFrameworkCore;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// <see cref="IdempotentConsumer{TContext, TMessage}"/> for high-volume events (every record event reaches every
/// service of every node): a batch of messages commits in one transaction, with one inbox insert for all their ids,
/// so a burst costs a few round trips instead of a transaction per message. Messages are handled in arrival order.
/// <para>
/// When a batch fails, each of its messages is tried again in its own transaction, so one bad message cannot hold
/// back the others: the good ones commit (and their inbox rows make any later redelivery a no-op) and the failure is
/// rethrown, which sends the batch through the endpoint's retry and finally to its <c>_error</c> queue. Replaying
/// those messages then only redoes the one that failed.
/// </para>
/// Register it with <see cref="IdempotentBatchConsumerDefinition{TConsumer}"/> (or a definition of its own).
/// </summary>
public abstract class IdempotentBatchConsumer<TContext, TMessage>(TContext db) : IConsumer<Batch<TMessage>>, IEventBatchHandler<TMessage>
    where TContext : PlatformDbContext
    where TMessage : class
{
    protected TContext Db { get; } = db;

    public Task Consume(ConsumeContext<Batch<TMessage>> context) =>
        HandleEventsAsync([.. context.Message.Select(m => new Delivered<TMessage>(m.MessageId, m.Message))], context.CancellationToken);

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
        }
        catch (Exception) when (messages.Count > 1 && !cancellationToken.IsCancellationRequested)
        {
            Db.ChangeTracker.Clear();
            foreach (var message in messages)
            {
                await CommitAsync([message], cancellationToken);
            }
        }
    }

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

/// <summary>One event as a consumer sees it: its id (the inbox key) and its content.</summary>
public sealed record Delivered<TMessage>(Guid? MessageId, TMessage Message) where TMessage : class;

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
