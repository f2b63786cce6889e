using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Audit.Consumers;

/// <summary>
/// One entry per source, reason and window for the calls this node's gateway turned away itself (action
/// <c>api.gateway.denied</c>, subject = the source address), with their count; the traffic statistics count every call.
/// Other nodes' gateways announce theirs on the same exchange: they are not this node's log.
/// </summary>
public sealed class GatewayDenialsAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, IOptions<NodeOptions> node)
    : AuditEventConsumer<GatewayDenialsCounted>(db, log, traffic)
{
    public const string Action = "api.gateway.denied";

    protected override bool Concerns(GatewayDenialsCounted message) => message.Node == node.Value.Id;

    protected override AuditEvent Describe(GatewayDenialsCounted message) => new(
        message.FirstAt,
        message.Department ?? "anonymous",
        message.ClientIds is [var only] ? only : "anonymous",
        Action,
        message.Source,
        ApiCallAuditConsumer.Outcome(message.Status),
        new
        {
            message.Reason,
            message.Status,
            message.Count,
            message.WindowStart,
            message.FirstAt,
            message.LastAt,
            message.ClientIds,
            message.Methods,
            message.Paths,
        });

    protected override IReadOnlyCollection<TrafficInteraction> Count(GatewayDenialsCounted message) =>
        [new(message.FirstAt, TrafficKinds.Department(message.Department), message.Node, TrafficKinds.Api("gateway"),
            ApiCallAuditConsumer.Outcome(message.Status), Count: message.Count)];
}
