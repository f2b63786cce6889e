using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;

namespace Platform.Audit.Consumers;

/// <summary>A secrecy reviewer's decision on one record (action <c>record.secrecy-review</c>, outcome <c>released</c> or <c>kept</c>).</summary>
public sealed class SecrecyReviewAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : AuditEventConsumer<SecrecyReviewDecided>(db, log, traffic)
{
    protected override AuditEvent Describe(SecrecyReviewDecided message) => new(
        message.DecidedAt, message.Department, message.ReviewedBy, "record.secrecy-review", message.RecordId.ToString(), message.Decision,
        new { message.Reason, message.AwaitingSince, WaitedSeconds = Math.Round((message.DecidedAt - message.AwaitingSince).TotalSeconds) });

    protected override IReadOnlyCollection<TrafficInteraction> Count(SecrecyReviewDecided message) => [];
}
