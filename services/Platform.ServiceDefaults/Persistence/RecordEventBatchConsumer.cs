using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults.Trust;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Applies a <see cref="RecordEventBatch"/> (this node's own record events) or another department's announcement
/// (<see cref="RecordAnnouncementBatch"/>, <see cref="DirectedRecordAnnouncementBatch"/>): the events are cut into runs of
/// one type, in order, and each run goes to this service's handler for that type (the same
/// <see cref="IdempotentBatchConsumer{TContext, TMessage}"/> that takes the single messages), one transaction per run with
/// an inbox row per event. A redelivered batch, or an event delivered again in another batch, changes nothing. A service
/// without a handler for a type skips its events; a node's own announcements come back to it on its own exchange and are skipped.
/// </summary>
public sealed class RecordEventBatchConsumer(IServiceProvider services, IOptions<NodeOptions> node)
    : IConsumer<RecordEventBatch>, IConsumer<RecordAnnouncementBatch>, IConsumer<DirectedRecordAnnouncementBatch>
{
    public Task Consume(ConsumeContext<RecordEventBatch> context) => ApplyAsync(context.Message.Events, context.CancellationToken);

    public Task Consume(ConsumeContext<RecordAnnouncementBatch> context) =>
        context.Message.Department == node.Value.Id ? Task.CompletedTask : ApplyAsync(context.Message.Events, context.CancellationToken);

    public Task Consume(ConsumeContext<DirectedRecordAnnouncementBatch> context) =>
        context.Message.Department == node.Value.Id || context.Message.Addressee != node.Value.Id
            ? Task.CompletedTask
            : ApplyAsync(context.Message.Events, context.CancellationToken);

    private async Task ApplyAsync(IReadOnlyList<RecordEventEntry> events, CancellationToken cancellationToken)
    {
        for (var start = 0; start < events.Count;)
        {
            var kind = Kind(events[start]);
            var end = start + 1;
            while (end < events.Count && Kind(events[end]) == kind) end++;
            var run = events.Skip(start).Take(end - start);
            await (kind switch
            {
                nameof(RecordPublished) => HandleAsync(run.Select(e => new Delivered<RecordPublished>(e.EventId, e.Published!)), cancellationToken),
                nameof(RecordUpdated) => HandleAsync(run.Select(e => new Delivered<RecordUpdated>(e.EventId, e.Updated!)), cancellationToken),
                _ => HandleAsync(run.Select(e => new Delivered<RecordWithdrawn>(e.EventId, e.Withdrawn!)), cancellationToken),
            });
            start = end;
        }
    }

    private static string Kind(RecordEventEntry entry) => entry switch
    {
        { Published: not null, Updated: null, Withdrawn: null } => nameof(RecordPublished),
        { Published: null, Updated: not null, Withdrawn: null } => nameof(RecordUpdated),
        { Published: null, Updated: null, Withdrawn: not null } => nameof(RecordWithdrawn),
        // Not retried (see BusExtensions): the batch goes to the error queue with this reason.
        _ => throw new NotSupportedException($"Record event {entry.EventId} must hold exactly one event."),
    };

    private Task HandleAsync<TMessage>(IEnumerable<Delivered<TMessage>> run, CancellationToken cancellationToken) where TMessage : class =>
        services.GetService<IEventBatchHandler<TMessage>>() is { } handler ? handler.HandleEventsAsync([.. run], cancellationToken) : Task.CompletedTask;
}

/// <summary>Where a service's record events come from: its own node's events, other departments' announcements, or both.</summary>
public sealed record RecordEventSources(bool OwnEvents);

/// <summary>
/// One batch at a time per queue, so a department's events are applied in the order they were committed. The queue is
/// bound to the node's own record events (if the service follows them), to the announcements every department
/// receives and to those addressed to this department alone.
/// </summary>
public sealed class RecordEventBatchConsumerDefinition(RecordEventSources sources, IOptions<NodeOptions> node) : ConsumerDefinition<RecordEventBatchConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RecordEventBatchConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 4;
        endpointConfigurator.ConcurrentMessageLimit = 1;
        if (endpointConfigurator is not IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            return;
        }
        CrossingMessages.BindDirected<DirectedRecordAnnouncementBatch>(rabbit, node.Value.Id);
        rabbit.Bind<RecordAnnouncementBatch>();
        if (sources.OwnEvents)
        {
            rabbit.Bind<RecordEventBatch>();
        }
    }
}

public static class RecordEventBatchRegistration
{
    /// <summary>
    /// Consumes <see cref="RecordEventBatch"/> (when <paramref name="ownEvents"/>) and other departments' announcements
    /// with the service's batch consumers of the three record events (already added with <c>AddConsumer</c>, or as
    /// scoped services), which also go on taking the node's single record events.
    /// </summary>
    public static void AddRecordEventBatchConsumer<TPublished, TUpdated, TWithdrawn>(this IBusRegistrationConfigurator bus, bool ownEvents = true)
        where TPublished : class, IEventBatchHandler<RecordPublished>
        where TUpdated : class, IEventBatchHandler<RecordUpdated>
        where TWithdrawn : class, IEventBatchHandler<RecordWithdrawn>
    {
        bus.AddSingleton(new RecordEventSources(ownEvents));
        bus.AddScoped<IEventBatchHandler<RecordPublished>>(services => services.GetRequiredService<TPublished>());
        bus.AddScoped<IEventBatchHandler<RecordUpdated>>(services => services.GetRequiredService<TUpdated>());
        bus.AddScoped<IEventBatchHandler<RecordWithdrawn>>(services => services.GetRequiredService<TWithdrawn>());
        bus.AddConsumer<RecordEventBatchConsumer, RecordEventBatchConsumerDefinition>();
    }
}
