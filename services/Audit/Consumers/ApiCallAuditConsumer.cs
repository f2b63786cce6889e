using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Consumers;

/// <summary>
/// Appends the node's own API calls in batches (<see cref="IdempotentBatchConsumer{TContext, TMessage}"/>): one
/// transaction, one inbox insert, one chain lock and one COPY per batch, so redeliveries are no-ops and nothing is lost.
/// Calls announced by other nodes (the event is published on the shared exchange) are not this node's log.
/// </summary>
public sealed class ApiCallAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, IOptions<NodeOptions> node)
    : IdempotentBatchConsumer<AuditDbContext, ApiCallRecorded>(db)
{
    protected override bool Concerns(ApiCallRecorded message) => message.Node == node.Value.Id;

    protected override async Task HandleBatchAsync(IReadOnlyList<Delivered<ApiCallRecorded>> messages, CancellationToken cancellationToken)
    {
        await log.AppendManyAsync([.. messages.Select(m => Describe(m.Message, m.MessageId!.Value))], cancellationToken);
        await traffic.AddAsync([.. messages.Select(m => Interaction(m.Message))], cancellationToken);
    }

    protected override Task HandleAsync(Delivered<ApiCallRecorded> context, CancellationToken cancellationToken) =>
        HandleBatchAsync([context], cancellationToken);

    internal static AuditEvent Describe(ApiCallRecorded call, Guid messageId) => new(
        call.OccurredAt,
        call.Department ?? "anonymous",
        call.ClientId ?? "anonymous",
        $"api.{call.Service}.{call.Method.ToLowerInvariant()}",
        call.Path,
        Outcome(call.Status),
        new { call.Service, call.Method, call.Route, call.Status, call.Roles, call.DurationMs },
        messageId,
        call.TraceId);

    internal static TrafficInteraction Interaction(ApiCallRecorded call) => new(
        call.OccurredAt, TrafficKinds.Department(call.Department), call.Node, TrafficKinds.Api(call.Service), Outcome(call.Status), call.DurationMs);

    internal static string Outcome(int status) => status switch
    {
        401 or 403 => "denied",
        < 400 => "ok",
        < 500 => "rejected",
        _ => "failed",
    };
}

/// <summary>Batches of up to 500 calls or 50 ms, one batch at a time (appends serialise on the chain lock anyway).</summary>
public sealed class ApiCallAuditConsumerDefinition : ConsumerDefinition<ApiCallAuditConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ApiCallAuditConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.PrefetchCount = 1000;
        consumerConfigurator.Options<BatchOptions>(options => options
            .SetMessageLimit(500)
            .SetTimeLimit(TimeSpan.FromMilliseconds(50))
            .SetConcurrencyLimit(1));
    }
}
