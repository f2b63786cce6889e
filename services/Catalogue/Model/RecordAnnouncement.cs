using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;

namespace Platform.Catalogue.Model;

/// <summary>
/// How one of this department's records stands with the other departments, and whether <see cref="RecordAnnouncer"/>
/// has to announce it again. Kept beside the record rather than in it: the announcer rewrites this narrow row every
/// time, where rewriting the record's row would add entries to each of its indexes, the search index included.
/// </summary>
public sealed class RecordAnnouncement
{
    public Guid RecordId { get; set; }

    /// <summary>The record, or the policy over it, changed since it was last announced.</summary>
    public bool Due { get; set; }

    /// <summary>Since when it is due: the announcer takes the longest waiting first.</summary>
    public DateTimeOffset DueSince { get; set; }

    /// <summary>Why it is due: <c>rule:{name}</c> after that rule changed, null after the record itself changed.</summary>
    public string? Cause { get; set; }

    /// <summary>Grows with every view or withdrawal announced for the record; peers keep the highest they received.</summary>
    public int Revision { get; set; }

    /// <summary>Where the record's current view went: null nowhere, <c>["*"]</c> every department, otherwise those departments.</summary>
    public List<string>? AnnouncedTo { get; set; }

    /// <summary>The rule that decided the announced view, and a hash of that view and its audience (unchanged views are not sent again).</summary>
    public string? AnnouncedRule { get; set; }
    public string? AnnouncedHash { get; set; }

    /// <summary>
    /// Puts records up for the announcer, in the caller's transaction. One statement that always writes the mark, so a
    /// change made while a round holds one of them is announced by the next round, never cleared with the round.
    /// </summary>
    public static Task<int> MarkDueAsync(CatalogueDbContext db, IReadOnlyCollection<Guid> recordIds, DateTimeOffset now, CancellationToken cancellationToken) =>
        recordIds.Count == 0
            ? Task.FromResult(0)
            : db.Database.ExecuteSqlAsync($"""
                INSERT INTO record_announcements (record_id, due, due_since, revision)
                SELECT id, true, {now}, 0 FROM unnest({recordIds.ToArray()}) AS id
                ON CONFLICT (record_id) DO UPDATE SET due = true, cause = NULL,
                    due_since = CASE WHEN record_announcements.due THEN record_announcements.due_since ELSE excluded.due_since END
                """, cancellationToken);
}
