using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// A sharing rule (共享规则) of this department: which records it covers (by fonds, category, classification,
/// retention or one record), their sharing attribute, who may ask and why, which fields are given and masked (脱敏),
/// and how long a grant lasts. Each change is a new <see cref="Version"/>; old versions stay in <see cref="SharingRuleVersion"/>.
/// </summary>
public sealed class SharingRule
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public string? FondsCode { get; set; }
    public string? Category { get; set; }
    public string? Classification { get; set; }
    public string? RetentionPeriod { get; set; }
    public Guid? RecordId { get; set; }
    public required string Sharing { get; set; }
    public List<string> AllowedDepartments { get; set; } = [];
    public List<string> Purposes { get; set; } = [];
    public List<string> Fields { get; set; } = [];
    public Dictionary<string, string> Masks { get; set; } = [];

    /// <summary>The fields other departments see in the catalogue (empty: <see cref="RecordFields.CatalogueDefault"/>).</summary>
    public List<string> CatalogueFields { get; set; } = [];

    /// <summary>Masks applied to what the catalogue announces, besides the personal data masked in every announcement.</summary>
    public Dictionary<string, string> CatalogueMasks { get; set; } = [];
    public TimeSpan GrantValidity { get; set; }
    public int? ReviewWorkingDays { get; set; }
    public TimeSpan? ReviewTimeLimit { get; set; }
    public required string UpdatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }

    /// <summary>How many of the scope criteria this rule sets; the most specific matching rule wins.</summary>
    public int Specificity => (RecordId is null ? 0 : 100) + (FondsCode is null ? 0 : 1) + (Category is null ? 0 : 1)
        + (Classification is null ? 0 : 1) + (RetentionPeriod is null ? 0 : 1);

    /// <summary>The rule that governs a record: the most specific of those covering it (by name when equally specific).</summary>
    public static SharingRule? Governing(IEnumerable<SharingRule> rules, Func<SharingRule, bool> covers) =>
        rules.Where(covers).OrderByDescending(r => r.Specificity).ThenBy(r => r.Name, StringComparer.Ordinal).FirstOrDefault();

    public bool Covers(SharedRecord record) =>
        Covers(record.RecordId, record.FondsCode, record.Category, record.Classification, record.RetentionPeriod);

    public bool Covers(Guid recordId, string fondsCode, string? category, string classification, string retentionPeriod) =>
        (RecordId is null || RecordId == recordId)
        && (FondsCode is null || FondsCode == fondsCode)
        && (Category is null || Category == category)
        && (Classification is null || Classification == classification)
        && (RetentionPeriod is null || RetentionPeriod == retentionPeriod);
}

/// <summary>One past or current version of a rule, as it was saved (JSON), and who saved it.</summary>
public sealed class SharingRuleVersion
{
    public required string Name { get; set; }
    public int Version { get; set; }
    public required string Snapshot { get; set; }
    public required string ChangedBy { get; set; }
    public DateTimeOffset ChangedAt { get; set; }
}

/// <summary>The record fields a grant can give (the names of <see cref="RecordMetadata"/>'s JSON properties) and the mask kinds.</summary>
public static class RecordFields
{
    public static readonly IReadOnlyList<string> All =
    [
        "externalId", "fondsCode", "archivalCode", "title", "creator", "date", "documentNumber",
        "retentionPeriod", "classification", "category", "keywords", "description", "sharing",
    ];

    /// <summary>
    /// What other departments see of a record in the catalogue when no rule says otherwise: the DA/T 46 core, without the
    /// description (free text, where personal data hides) and the department system's own id.
    /// </summary>
    public static readonly IReadOnlyList<string> CatalogueDefault =
    [
        "fondsCode", "archivalCode", "title", "creator", "date", "documentNumber", "retentionPeriod", "classification", "category", "keywords", "sharing",
    ];

    /// <summary>Fields every announcement holds, so a peer can cite the record and ask for it (a rule can still mask the title).</summary>
    public static readonly IReadOnlyList<string> CatalogueRequired = ["fondsCode", "archivalCode", "title", "date", "sharing"];

    /// <summary>Not a metadata field: a grant whose fields include it covers the record's attachments (only if the rule names it).</summary>
    public const string Attachments = "attachments";

    /// <summary>What a rule or a request may name in <c>fields</c>: the metadata fields and <see cref="Attachments"/>.</summary>
    public static readonly IReadOnlyList<string> Grantable = [.. All, Attachments];

    public static readonly IReadOnlyList<string> MaskKinds = ["id-card", "phone", "landline", "name", "redact"];

    public static readonly IReadOnlyList<string> Attributes = [SharingTerms.Unconditional, SharingTerms.Conditional, SharingTerms.None];

    /// <summary>The more restrictive of two sharing attributes (none &gt; conditional &gt; unconditional).</summary>
    public static string MostRestrictive(string a, string b) =>
        Rank(a) >= Rank(b) ? a : b;

    private static int Rank(string attribute) => attribute switch
    {
        SharingTerms.Unconditional => 0,
        SharingTerms.Conditional => 1,
        _ => 2,
    };
}
