namespace Platform.Contracts;

// What a department announces of its records (docs/SHARING.md, "What a peer sees"). Request/response inside one node:
// the catalogue asks its own sharing service, at its endpoint's address, never across departments.

/// <summary>Inside one node: the catalogue asks the sharing service what it may announce of these records, and to whom.</summary>
public sealed record GetCatalogueViews(IReadOnlyList<CatalogueViewQuery> Records);

/// <summary>One record as the catalogue holds it (the whole metadata; it never leaves the node).</summary>
public sealed record CatalogueViewQuery(Guid RecordId, RecordMetadata Metadata);

/// <summary>The sharing service's answer to <see cref="GetCatalogueViews"/>, one view per record asked about, in order.</summary>
public sealed record CatalogueViews(IReadOnlyList<CatalogueView> Views);

/// <summary>
/// What other departments may see of one record: <see cref="Metadata"/> holds only <see cref="Fields"/>, masked; the
/// record goes to <see cref="Audience"/> (null: every department; empty: none, and <see cref="Metadata"/> is null).
/// <see cref="Rule"/> is the rule that decided it, if any.
/// </summary>
public sealed record CatalogueView(
    Guid RecordId,
    IReadOnlyList<string>? Audience,
    RecordMetadata? Metadata,
    IReadOnlyList<string> Fields,
    string? Rule,
    int? RuleVersion)
{
    public bool AnnouncedToNobody => Audience is { Count: 0 };
}

/// <summary>Inside one node: the sharing service asks the catalogue how far the re-announcement after a rule change is.</summary>
public sealed record GetReannouncementProgress(string Rule);

/// <summary>
/// The catalogue's answer to <see cref="GetReannouncementProgress"/>: the records the rule's last change (version
/// <see cref="RuleVersion"/>) put up for announcing again, and how many of them are still waiting.
/// </summary>
public sealed record ReannouncementProgress(string Rule, int? RuleVersion, int Records, int Waiting, DateTimeOffset? StartedAt, DateTimeOffset? FinishedAt);
