using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Audit.Consumers;

/// <summary>
/// Appends the node's own API calls in batches: one transaction, one chain lock and one COPY per batch, with every
/// message id recorded in the inbox in that same transaction, so redeliveries are no-ops and nothing is lost.
/// Calls announced by other nodes (the event is published on the shared exchange) are not this node's log.
/// </summary>
public sealed class ApiCallAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, IOptions<NodeOptions> node) : IConsumer<Batch<ApiCallRecorded>>
{
    public async Task Consume(ConsumeContext<Batch<ApiCallRecorded>> context)
    {
        var cancellationToken = context.CancellationToken;
        var own = context.Message
            .Where(m => m.Message.Node == node.Value.Id)
            .Select(m => (Id: m.MessageId ?? throw new InvalidOperationException("ApiCallRecorded arrived without a message id."), m.Message))
            .ToList();
        if (own.Count == 0) return;

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = own.Select(m => m.Id).ToArray();
        var fresh = (await db.Database
            .SqlQuery<Guid>($"""
                INSERT INTO inbox_messages (message_id, consumer, processed_at)
                SELECT id, {nameof(ApiCallAuditConsumer)}, now() FROM unnest({ids}) AS id
                ON CONFLICT DO NOTHING RETURNING message_id AS "Value"
                """)
            .ToListAsync(cancellationToken)).ToHashSet();
        var calls = own.Where(m => fresh.Remove(m.Id)).ToList();
        await log.AppendManyAsync(calls.Select(m => Describe(m.Message, m.Id)).ToList(), cancellationToken);
        await traffic.AddAsync(calls.Select(m => Interaction(m.Message)).ToList(), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

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
        call.OccurredAt, call.Department ?? "anonymous", call.Node, TrafficKinds.Api(call.Service), Outcome(call.Status), call.DurationMs);

    private static string Outcome(int status) => status switch
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
