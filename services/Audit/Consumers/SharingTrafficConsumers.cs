using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Consumers;

/// <summary>
/// Request lifecycle announced by every owner: counted as traffic and kept for the KPIs of every department. Only the own
/// department's requests become entries of this node's log; other departments' are their own logs' business.
/// </summary>
public sealed class AccessRequestTrackedConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, SharingKpiFacts facts,
    IOptions<NodeOptions> node) : IdempotentConsumer<AuditDbContext, AccessRequestTracked>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AccessRequestTracked> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        await facts.TrackAsync(message, cancellationToken);
        await traffic.AddAsync([Interaction(message)], cancellationToken);
        if (message.OwnerDepartment == node.Value.Id)
        {
            Measure(message);
            await log.AppendAsync(new AuditEvent(message.OccurredAt, message.OwnerDepartment, $"sharing@{message.OwnerDepartment}",
                $"request.{message.Status}", message.RequestId.ToString(), "ok",
                new { message.RequesterDepartment, message.Automatic, message.ReviewDeadline }, context.MessageId), cancellationToken);
        }
    }

    private static void Measure(AccessRequestTracked message)
    {
        if (message.Status is TrackedStatus.Approved or TrackedStatus.Rejected)
        {
            PlatformMetrics.RequestDecisions.Add(1, new("decision", message.Status), new("automatic", message.Automatic));
        }
        else if (message.Status == TrackedStatus.Overdue)
        {
            PlatformMetrics.ReviewsOverdue.Add(1);
        }
    }

    internal static TrafficInteraction Interaction(AccessRequestTracked message) => message.Status switch
    {
        TrackedStatus.Submitted => new(message.OccurredAt, message.RequesterDepartment, message.OwnerDepartment, TrafficKinds.RequestSubmitted, "ok"),
        TrackedStatus.Approved or TrackedStatus.Rejected => new(message.OccurredAt, message.OwnerDepartment, message.RequesterDepartment,
            TrafficKinds.RequestDecided, message.Status, (message.OccurredAt - message.SubmittedAt).TotalMilliseconds),
        TrackedStatus.Overdue => new(message.OccurredAt, message.OwnerDepartment, message.RequesterDepartment, TrafficKinds.RequestOverdue, "overdue"),
        _ => new(message.OccurredAt, message.OwnerDepartment, message.RequesterDepartment, $"request.{message.Status}", "ok"),
    };
}

/// <summary>Granted content that left this node (owner side) or reached it (requester side), routed to this node only.</summary>
public sealed class ContentDeliveredAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : AuditEventConsumer<ContentDelivered>(db, log, traffic)
{
    protected override AuditEvent Describe(ContentDelivered message) => new(
        message.OccurredAt, message.Node, $"sharing@{message.Node}", $"content.{(message.Side == "owner" ? "delivered" : "received")}",
        message.GrantId.ToString(), "ok",
        new { message.RecordId, message.OwnerDepartment, message.RequesterDepartment, message.Fields, message.MaskedFields });

    protected override IReadOnlyCollection<TrafficInteraction> Count(ContentDelivered message)
    {
        PlatformMetrics.ContentDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", message.Side == "owner" ? "served" : "received"));
        return [new(message.OccurredAt, message.OwnerDepartment, message.RequesterDepartment,
            message.Side == "owner" ? TrafficKinds.ContentDelivered : TrafficKinds.ContentReceived, "ok")];
    }
}

/// <summary>A refused content fetch at this node: counted as a failed delivery.</summary>
public sealed class ContentDeniedAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : AuditEventConsumer<ContentDenied>(db, log, traffic)
{
    protected override AuditEvent Describe(ContentDenied message) => new(
        message.OccurredAt, message.Node, $"sharing@{message.Node}", "content.denied", message.GrantId?.ToString(), "denied",
        new { message.ClaimedRequester, message.Reason });

    protected override IReadOnlyCollection<TrafficInteraction> Count(ContentDenied message)
    {
        PlatformMetrics.ContentDeliveries.Add(1, new KeyValuePair<string, object?>("outcome", "refused"));
        return [new(message.OccurredAt, message.Node, message.ClaimedRequester ?? "unknown", TrafficKinds.ContentDenied, "denied")];
    }
}
