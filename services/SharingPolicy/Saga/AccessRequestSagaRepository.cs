using MassTransit;
using MassTransit.Context;
using MassTransit.Saga;
using MassTransit.Scheduling;
using Microsoft.EntityFrameworkCore;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Saga;

/// <summary>
/// Keeps the access-request saga in the service's own database (the shape of MassTransit's EF Core saga repository,
/// which is not available here), with the house's inbox and outbox in the same transaction: each message to the saga
/// opens one transaction, records its id in the inbox (a redelivery stops there, so nothing transitions twice),
/// locks the request row (<c>SELECT … FOR UPDATE</c>, so concurrent messages for one request run one after the other),
/// runs the state machine, and commits the new state, its timeline, the events it published (outbox) and the
/// timeouts it scheduled (<see cref="DeferredMessage"/>) together.
/// </summary>
internal sealed class AccessRequestSagaRepositoryContextFactory(SharingDbContext db, IBus bus, TimeProvider clock)
    : ISagaRepositoryContextFactory<AccessRequest>
{
    public const string InboxConsumer = "AccessRequestStateMachine";

    public async Task Send<T>(ConsumeContext<T> context, IPipe<SagaRepositoryContext<AccessRequest, T>> next) where T : class
    {
        var messageId = context.MessageId ?? throw new InvalidOperationException($"{typeof(T).Name} arrived without a message id.");
        var cancellationToken = context.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var first = await db.Database.ExecuteSqlAsync(
            $"INSERT INTO inbox_messages (message_id, consumer, processed_at) VALUES ({messageId}, {InboxConsumer}, now()) ON CONFLICT DO NOTHING",
            cancellationToken);
        if (first == 0)
        {
            // Handled before: a reviewer waiting for the answer hears so, and nothing changes.
            var command = context.Message switch
            {
                ReviewAccessRequest review => review.RequestId,
                RevokeAccessRequest revoke => revoke.RequestId,
                _ => (Guid?)null,
            };
            if (context.RequestId is not null && command is { } requestId)
            {
                await context.RespondAsync(new ReviewOutcome(requestId, false, Repeated: true));
            }
            return;
        }

        var scheduler = new ConsumeMessageSchedulerContext(context, _ => new MessageScheduler(new DatabaseScheduleMessageProvider(db, clock), bus.Topology));
        var repositoryContext = new AccessRequestSagaRepositoryContext<T>(db, context, scheduler);
        await next.Send(repositoryContext).ConfigureAwait(false);
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    public Task SendQuery<T>(ConsumeContext<T> context, ISagaQuery<AccessRequest> query, IPipe<SagaRepositoryQueryContext<AccessRequest, T>> next)
        where T : class =>
        throw new NotSupportedException("The access-request saga is correlated by request id only.");

    public void Probe(ProbeContext context) => context.Add("persistence", "postgresql");
}

/// <summary>One message's view of the saga store: loads (locked), adds and removes requests in the factory's transaction.</summary>
internal sealed class AccessRequestSagaRepositoryContext<TMessage>(SharingDbContext db, ConsumeContext<TMessage> context, MessageSchedulerContext scheduler)
    : ConsumeContextScope<TMessage>(context, scheduler), SagaRepositoryContext<AccessRequest, TMessage>
    where TMessage : class
{
    public Task<SagaConsumeContext<AccessRequest, TMessage>> Add(AccessRequest instance) => Create(instance);

    public async Task<SagaConsumeContext<AccessRequest, TMessage>> Insert(AccessRequest instance)
    {
        db.Requests.Add(instance);
        await db.SaveChangesAsync(CancellationToken);
        return await Create(instance);
    }

    public async Task<SagaConsumeContext<AccessRequest, TMessage>> Load(Guid correlationId)
    {
        // Only the owner's (incoming) copy of a request is a saga; the requester's copy follows the owner's messages.
        var locked = await db.Database.SqlQuery<Guid>(
                $"""SELECT id AS "Value" FROM access_requests WHERE id = {correlationId} AND direction = {AccessRequestStatus.Incoming} FOR UPDATE""")
            .ToListAsync(CancellationToken);
        if (locked.Count == 0)
        {
            return null!;
        }
        var instance = await db.Requests.SingleAsync(r => r.Id == correlationId, CancellationToken);
        return await Create(instance);
    }

    public Task Save(SagaConsumeContext<AccessRequest> context)
    {
        db.Requests.Add(context.Saga);
        return Task.CompletedTask;
    }

    public Task Update(SagaConsumeContext<AccessRequest> context) => Task.CompletedTask;

    public Task Delete(SagaConsumeContext<AccessRequest> context)
    {
        db.Requests.Remove(context.Saga);
        return Task.CompletedTask;
    }

    public Task Discard(SagaConsumeContext<AccessRequest> context)
    {
        Detach(context.Saga);
        return Task.CompletedTask;
    }

    public Task Undo(SagaConsumeContext<AccessRequest> context)
    {
        Detach(context.Saga);
        return Task.CompletedTask;
    }

    public Task<SagaConsumeContext<AccessRequest, T>> CreateSagaConsumeContext<T>(ConsumeContext<T> consumeContext, AccessRequest instance,
        SagaConsumeContextMode mode) where T : class =>
        Task.FromResult<SagaConsumeContext<AccessRequest, T>>(new DefaultSagaConsumeContext<AccessRequest, T>(consumeContext, instance));

    private Task<SagaConsumeContext<AccessRequest, TMessage>> Create(AccessRequest instance) =>
        CreateSagaConsumeContext(this, instance, SagaConsumeContextMode.Load);

    private void Detach(AccessRequest instance)
    {
        var entry = db.Entry(instance);
        if (entry.State != EntityState.Detached)
        {
            entry.State = EntityState.Detached;
        }
    }
}
