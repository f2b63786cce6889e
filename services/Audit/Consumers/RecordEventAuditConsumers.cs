using MassTransit;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Consumers;

/// <summary>Counts this node's own record announcements (<see cref="PlatformMetrics.RecordsAnnounced"/>).</summary>
internal static class RecordMeter
{
    public static void Announced(string department, string self, string change)
    {
        if (department == self) PlatformMetrics.RecordsAnnounced.Add(1, new KeyValuePair<string, object?>("change", change));
    }
}

/// <summary>Appends one audit entry per event, once per message id, and counts it in the traffic statistics.</summary>
public abstract class AuditEventConsumer<TMessage>(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : IdempotentConsumer<AuditDbContext, TMessage>(db)
    where TMessage : class
{
    protected override async Task HandleAsync(ConsumeContext<TMessage> context, CancellationToken cancellationToken)
    {
        await log.AppendAsync(Describe(context.Message) with { MessageId = context.MessageId }, cancellationToken);
        await traffic.AddAsync(Count(context.Message), cancellationToken);
        await AlsoAsync(context.Message, cancellationToken);
    }

    protected abstract AuditEvent Describe(TMessage message);

    protected abstract IReadOnlyCollection<TrafficInteraction> Count(TMessage message);

    /// <summary>Further facts kept in the same transaction (e.g. for the sharing KPIs).</summary>
    protected virtual Task AlsoAsync(TMessage message, CancellationToken cancellationToken) => Task.CompletedTask;
}

/// <summary>
/// <see cref="AuditEventConsumer{TMessage}"/> for the record events every node receives in bulk: a batch of events is
/// one append (one chain lock, one COPY) and one transaction, then each is counted.
/// </summary>
public abstract class RecordEventAuditConsumer<TMessage>(AuditDbContext db, AuditLog log, TrafficStatistics traffic)
    : IdempotentBatchConsumer<AuditDbContext, TMessage>(db)
    where TMessage : class
{
    protected override async Task HandleBatchAsync(IReadOnlyList<Delivered<TMessage>> messages, CancellationToken cancellationToken)
    {
        await log.AppendManyAsync([.. messages.Select(m => Describe(m.Message) with { MessageId = m.MessageId })], cancellationToken);
        await traffic.AddAsync([.. messages.SelectMany(m => Count(m.Message))], cancellationToken);
        await AlsoAsync([.. messages.Select(m => m.Message)], cancellationToken);
    }

    protected override Task HandleAsync(Delivered<TMessage> context, CancellationToken cancellationToken) =>
        HandleBatchAsync([context], cancellationToken);

    protected abstract AuditEvent Describe(TMessage message);

    protected abstract IReadOnlyCollection<TrafficInteraction> Count(TMessage message);

    /// <summary>Further facts about the batch kept in the same transaction (for the sharing KPIs), in one statement.</summary>
    protected abstract Task AlsoAsync(IReadOnlyList<TMessage> messages, CancellationToken cancellationToken);
}

public sealed class RecordPublishedAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, SharingKpiFacts facts, IOptions<NodeOptions> node)
    : RecordEventAuditConsumer<RecordPublished>(db, log, traffic)
{
    protected override AuditEvent Describe(RecordPublished message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.published", message.RecordId.ToString(), "ok",
        new { message.Version, message.Metadata.ExternalId, message.Metadata.ArchivalCode, message.Metadata.Sharing });

    protected override IReadOnlyCollection<TrafficInteraction> Count(RecordPublished message)
    {
        RecordMeter.Announced(message.Department, node.Value.Id, "published");
        return [new(message.OccurredAt, message.Department, TrafficKinds.Everyone, TrafficKinds.RecordPublished, "ok")];
    }

    protected override Task AlsoAsync(IReadOnlyList<RecordPublished> messages, CancellationToken cancellationToken) =>
        facts.PublishedAsync([.. messages.Select(m => (m.RecordId, m.Department, m.Version, m.Metadata, m.OccurredAt))], cancellationToken);
}

public sealed class RecordUpdatedAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, SharingKpiFacts facts, IOptions<NodeOptions> node)
    : RecordEventAuditConsumer<RecordUpdated>(db, log, traffic)
{
    protected override AuditEvent Describe(RecordUpdated message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.updated", message.RecordId.ToString(), "ok",
        new { message.Version, message.Metadata.ExternalId, message.Metadata.ArchivalCode, message.Metadata.Sharing });

    protected override IReadOnlyCollection<TrafficInteraction> Count(RecordUpdated message)
    {
        RecordMeter.Announced(message.Department, node.Value.Id, "updated");
        return [new(message.OccurredAt, message.Department, TrafficKinds.Everyone, TrafficKinds.RecordUpdated, "ok")];
    }

    protected override Task AlsoAsync(IReadOnlyList<RecordUpdated> messages, CancellationToken cancellationToken) =>
        facts.PublishedAsync([.. messages.Select(m => (m.RecordId, m.Department, m.Version, m.Metadata, m.OccurredAt))], cancellationToken);
}

public sealed class RecordWithdrawnAuditConsumer(AuditDbContext db, AuditLog log, TrafficStatistics traffic, SharingKpiFacts facts, IOptions<NodeOptions> node)
    : RecordEventAuditConsumer<RecordWithdrawn>(db, log, traffic)
{
    protected override AuditEvent Describe(RecordWithdrawn message) => new(
        message.OccurredAt, message.Department, $"catalogue@{message.Department}", "record.withdrawn", message.RecordId.ToString(), "ok",
        new { message.Version });

    protected override IReadOnlyCollection<TrafficInteraction> Count(RecordWithdrawn message)
    {
        RecordMeter.Announced(message.Department, node.Value.Id, "withdrawn");
        return [new(message.OccurredAt, message.Department, TrafficKinds.Everyone, TrafficKinds.RecordWithdrawn, "ok")];
    }

    protected override Task AlsoAsync(IReadOnlyList<RecordWithdrawn> messages, CancellationToken cancellationToken) =>
        facts.WithdrawnAsync([.. messages.Select(m => (m.RecordId, m.OccurredAt))], cancellationToken);
}
