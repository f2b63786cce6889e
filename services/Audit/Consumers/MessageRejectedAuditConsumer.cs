using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;

namespace Platform.Audit.Consumers;

/// <summary>A message this node's services quarantined is a security event in the node's own log (action <c>message.rejected</c>).</summary>
public sealed class MessageRejectedAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : AuditEventConsumer<MessageRejected>(db, log, traffic)
{
    protected override AuditEvent Describe(MessageRejected message) => new(
        message.OccurredAt, message.Node, $"{message.Service}@{message.Node}", "message.rejected", message.MessageId?.ToString(), "rejected",
        new { message.Reason, message.Detail, message.MessageType, ClaimedSender = message.ClaimedSender, message.ReceivedFrom });

    protected override IReadOnlyCollection<TrafficInteraction> Count(MessageRejected message) => [];
}
