using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Applies a <see cref="RecordEventBatch"/>: its events are cut into runs of one type, in order, and each run goes to
/// this service's handler for that type (the same <see cref="IdempotentBatchConsumer{TContext, TMessage}"/> that takes
/// the single messages), one transaction per run with an inbox row per event. A redelivered batch, or an event
/// delivered again in another batch, changes nothing. A service without a handler for a type skips its events.
/// </summary>
public sealed class RecordEventBatchConsumer(IServiceProvider services) : IConsumer<RecordEventBatch>
{
    public async Task Consume(ConsumeContext<RecordEventBatch> context)
    {
        var events = context.Message.Events;
        for (var start = 0; start < events.Count;)
        {
            var kind = Kind(events[start]);
            var end = start + 1;
            while (end < events.Count && Kind(events[end]) == kind) end++;
            var run = events.Skip(start).Take(end - start);
            await (kind switch
            {
                nameof(RecordPublished) => HandleAsync(run.Select(e => new Delivered<RecordPublished>(e.EventId, e.Published!)), context.CancellationToken),
                nameof(RecordUpdated) => HandleAsync(run.Select(e => new Delivered<RecordUpdated>(e.EventId, e.Updated!)), context.CancellationToken),
                _ => HandleAsync(run.Select(e => new Delivered<RecordWithdrawn>(e.EventId, e.Withdrawn!)), context.CancellationToken),
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

/// <summary>One batch at a time per queue, so a department's events are applied in the order they were committed.</summary>
public sealed class RecordEventBatchConsumerDefinition : ConsumerDefinition<RecordEventBatchConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<RecordEventBatchConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 4;
        endpointConfigurator.ConcurrentMessageLimit = 1;
    }
}

public static class RecordEventBatchRegistration
{
    /// <summary>
    /// Consumes <see cref="RecordEventBatch"/> with the service's batch consumers of the three record events (already
    /// added with <c>AddConsumer</c>), which also go on taking the single messages.
    /// </summary>
    public static void AddRecordEventBatchConsumer<TPublished, TUpdated, TWithdrawn>(this IBusRegistrationConfigurator bus)
        where TPublished : class, IEventBatchHandler<RecordPublished>
        where TUpdated : class, IEventBatchHandler<RecordUpdated>
        where TWithdrawn : class, IEventBatchHandler<RecordWithdrawn>
    {
        bus.AddScoped<IEventBatchHandler<RecordPublished>>(services => services.GetRequiredService<TPublished>());
        bus.AddScoped<IEventBatchHandler<RecordUpdated>>(services => services.GetRequiredService<TUpdated>());
        bus.AddScoped<IEventBatchHandler<RecordWithdrawn>>(services => services.GetRequiredService<TWithdrawn>());
        bus.AddConsumer<RecordEventBatchConsumer, RecordEventBatchConsumerDefinition>();
    }
}
