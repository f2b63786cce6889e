using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;

namespace Platform.Catalogue.Model;

/// <summary>
/// The records a rule's last change put up for announcing again (<see cref="RecordAnnouncer"/>), for
/// <c>GET /api/sharing/rules/{name}/reannouncement</c>. The records still waiting are those due because of the rule.
/// </summary>
public sealed class Reannouncement
{
    public required string Rule { get; set; }
    public int RuleVersion { get; set; }
    public int Records { get; set; }
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>What <see cref="RecordAnnouncement.Cause"/> says of a record due because <paramref name="rule"/> changed.</summary>
    public static string Cause(string rule) => CausePrefix + rule;

    internal const string CausePrefix = "rule:";
}

internal static class Reannouncements
{
    /// <summary>Marks finished the re-announcements of <paramref name="causes"/> that have no record left waiting.</summary>
    public static Task<int> MarkFinishedAsync(CatalogueDbContext db, IReadOnlyCollection<string> causes, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var rules = causes.Where(c => c.StartsWith(Reannouncement.CausePrefix, StringComparison.Ordinal))
            .Select(c => c[Reannouncement.CausePrefix.Length..]).ToArray();
        return db.Database.ExecuteSqlAsync($"""
            UPDATE reannouncements r SET finished_at = {now}
            WHERE r.rule = ANY({rules}) AND r.finished_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM record_announcements WHERE due AND cause = {Reannouncement.CausePrefix} || r.rule)
            """, cancellationToken);
    }
}
