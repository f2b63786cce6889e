using MassTransit;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Consumers;

/// <summary>Appends one audit entry per event, once per message id; a batch of events is one append (one lock, one COPY).</summary>
public abstract class AuditEventConsumer<TMessage>(AuditDbContext db, AuditLog log) : IdempotentBatchConsumer<AuditDbContext, TMessage>(db)
    where TMessage : class
{
    protected override Task HandleBatchAsync(IReadOnlyList<ConsumeContext<TMessage>> messages, CancellationToken cancellationToken) =>
        log.AppendManyAsync([.. messages.Select(Entry)], cancellationToken);

    protected override Task HandleAsync(ConsumeContext<TMessage> context, CancellationToken cancellationToken) =>
        log.AppendAsync(Entry(context), cancellationToken);

    private AuditEvent Entry(ConsumeContext<TMessage> context) => Describe(context.Message) with { MessageId = context.MessageId };

    protected abstract AuditEvent Describe(TMessage message);
}

public sealed class RecordPublishedAuditConsumer(AuditDbContext db, AuditLog log) : AuditEventConsumer<RecordPublished>(db, log)
{
    protected override AuditEvent Describe(RecordPublished message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.published", message.RecordId.ToString(), "ok",
        new { message.Version, message.Metadata.ExternalId, message.Metadata.ArchivalCode, message.Metadata.Sharing });
}

public sealed class RecordUpdatedAuditConsumer(AuditDbContext db, AuditLog log) : AuditEventConsumer<RecordUpdated>(db, log)
{
    protected override AuditEvent Describe(RecordUpdated message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.updated", message.RecordId.ToString(), "ok",
        new { message.Version, message.Metadata.ExternalId, message.Metadata.ArchivalCode, message.Metadata.Sharing });
}

public sealed class RecordWithdrawnAuditConsumer(AuditDbContext db, AuditLog log) : AuditEventConsumer<RecordWithdrawn>(db, log)
{
    protected override AuditEvent Describe(RecordWithdrawn message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.withdrawn", message.RecordId.ToString(), "ok",
        new { message.Version });
}
