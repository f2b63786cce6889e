using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// What other departments see of one of this department's records in their catalogue (docs/SHARING.md, "What a peer
/// sees"): the governing rule's <see cref="SharingRule.CatalogueFields"/> (or <see cref="RecordFields.CatalogueDefault"/>),
/// masked by its <see cref="SharingRule.CatalogueMasks"/> and, in every text, for ID-card and phone numbers; sent to the
/// rule's allowed departments (every department when it names none), to nobody when the record is not shared.
/// </summary>
public static class CatalogueViewPolicy
{
    public static CatalogueView Decide(CatalogueViewQuery query, IReadOnlyList<SharingRule> rules)
    {
        var metadata = query.Metadata;
        var rule = SharingRule.Governing(rules,
            r => r.Covers(query.RecordId, metadata.FondsCode, metadata.Category, metadata.Classification, metadata.RetentionPeriod));
        var sharing = rule is null ? metadata.Sharing : RecordFields.MostRestrictive(metadata.Sharing, rule.Sharing);
        if (sharing == SharingTerms.None)
        {
            return new CatalogueView(query.RecordId, [], null, [], rule?.Name, rule?.Version);
        }
        IReadOnlyList<string> fields = rule is { CatalogueFields.Count: > 0 } ? rule.CatalogueFields : RecordFields.CatalogueDefault;
        var view = Masking.CatalogueView(metadata with { Sharing = sharing }, fields, rule?.CatalogueMasks ?? []);
        IReadOnlyList<string>? audience = rule is { AllowedDepartments.Count: > 0 } ? rule.AllowedDepartments : null;
        return new CatalogueView(query.RecordId, audience, view, fields, rule?.Name, rule?.Version);
    }
}
