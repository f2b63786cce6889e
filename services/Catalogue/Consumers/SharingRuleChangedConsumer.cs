using System.Text.Json;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Catalogue.Consumers;

/// <summary>
/// A rule of this department changed: every record it covers now, and every record whose announced view it decided,
/// is announced again under the new policy (re-announced, withdrawn where no longer allowed, or left alone when its
/// view did not change), by <see cref="RecordAnnouncer"/>. An older version arriving late changes nothing.
/// </summary>
public sealed class SharingRuleChangedConsumer(CatalogueDbContext db, IOptions<NodeOptions> node, AnnouncementSignal signal, TimeProvider clock)
    : IConsumer<SharingRuleChanged>
{
    public async Task Consume(ConsumeContext<SharingRuleChanged> context)
    {
        var change = context.Message;
        if (change.Department != node.Value.Id)
        {
            return;
        }
        var cancellationToken = context.CancellationToken;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var progress = await db.Reannouncements.SingleOrDefaultAsync(r => r.Rule == change.Rule, cancellationToken);
        if (progress is not null && progress.RuleVersion >= change.Version)
        {
            return;
        }
        var scope = Scope.Of(change.Snapshot);
        var cause = Reannouncement.Cause(change.Rule);
        var marked = await db.Database.ExecuteSqlAsync($"""
            INSERT INTO record_announcements (record_id, due, due_since, cause, revision)
            SELECT r.id, true, {clock.GetUtcNow()}, {cause}, 0
            FROM records r LEFT JOIN record_announcements a ON a.record_id = r.id
            WHERE r.department = {node.Value.Id}
              AND (a.announced_rule = {change.Rule}
                   OR r.status = 'Active'
                      AND ({scope.RecordId}::uuid IS NULL OR r.id = {scope.RecordId})
                      AND ({scope.FondsCode}::text IS NULL OR r.fonds_code = {scope.FondsCode})
                      AND ({scope.Category}::text IS NULL OR r.category = {scope.Category})
                      AND ({scope.Classification}::text IS NULL OR r.classification = {scope.Classification})
                      AND ({scope.RetentionPeriod}::text IS NULL OR r.retention_period = {scope.RetentionPeriod}))
            ON CONFLICT (record_id) DO UPDATE SET due = true, cause = excluded.cause,
                due_since = CASE WHEN record_announcements.due THEN record_announcements.due_since ELSE excluded.due_since END
            """, cancellationToken);
        if (progress is null)
        {
            progress = new Reannouncement { Rule = change.Rule };
            db.Reannouncements.Add(progress);
        }
        progress.RuleVersion = change.Version;
        progress.Records = marked;
        progress.StartedAt = clock.GetUtcNow();
        progress.FinishedAt = marked == 0 ? progress.StartedAt : null;
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        signal.Notify();
    }

    /// <summary>The scope in the rule's snapshot (the sharing service's rule view).</summary>
    private sealed record Scope(string? FondsCode, string? Category, string? Classification, string? RetentionPeriod, Guid? RecordId)
    {
        public static Scope Of(string snapshot) =>
            JsonDocument.Parse(snapshot).RootElement.TryGetProperty("scope", out var scope)
                ? scope.Deserialize<Scope>(JsonSerializerOptions.Web) ?? Nothing
                : Nothing;

        private static readonly Scope Nothing = new(null, null, null, null, null);
    }
}

/// <summary>The sharing service asks how far a rule's re-announcement is.</summary>
public sealed class GetReannouncementProgressConsumer(CatalogueDbContext db) : IConsumer<GetReannouncementProgress>
{
    public async Task Consume(ConsumeContext<GetReannouncementProgress> context)
    {
        var rule = context.Message.Rule;
        var progress = await db.Reannouncements.AsNoTracking().SingleOrDefaultAsync(r => r.Rule == rule, context.CancellationToken);
        var cause = Reannouncement.Cause(rule);
        var waiting = progress is null ? 0 : await db.RecordAnnouncements.CountAsync(a => a.Due && a.Cause == cause, context.CancellationToken);
        await context.RespondAsync(new ReannouncementProgress(rule, progress?.RuleVersion, progress?.Records ?? 0, waiting, progress?.StartedAt,
            waiting == 0 ? progress?.FinishedAt ?? progress?.StartedAt : null));
    }
}

/// <summary>Sent to this node's queue by address only.</summary>
public sealed class GetReannouncementProgressConsumerDefinition : ConsumerDefinition<GetReannouncementProgressConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<GetReannouncementProgressConsumer> consumerConfigurator, IRegistrationContext context) =>
        endpointConfigurator.ConfigureConsumeTopology = false;
}
