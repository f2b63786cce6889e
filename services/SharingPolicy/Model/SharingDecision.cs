using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>What the policy says about one request: the attribute, the rule behind it, and either a refusal reason or the grant's terms.</summary>
public sealed record SharingDecision(
    string Sharing,
    SharingRule? Rule,
    string? Refusal,
    IReadOnlyList<string> Fields,
    IReadOnlyDictionary<string, string> Masks,
    TimeSpan GrantValidity)
{
    /// <summary>
    /// The record's own attribute (set by its department when pushed) combined with the most specific rule that covers
    /// it: the more restrictive attribute applies, so a rule can tighten a category but never loosen a record.
    /// </summary>
    public static SharingDecision Evaluate(SharedRecord record, IEnumerable<SharingRule> rules, string requester, string purpose,
        IReadOnlyList<string> requestedFields, TimeSpan defaultValidity)
    {
        var rule = SharingRule.Governing(rules, r => r.Covers(record));
        var sharing = rule is null ? record.Sharing : RecordFields.MostRestrictive(record.Sharing, rule.Sharing);
        var validity = rule?.GrantValidity is { } v && v > TimeSpan.Zero ? v : defaultValidity;
        var masks = rule?.Masks ?? [];
        // Attachments are granted only where a rule names them; naming them alone does not narrow the metadata fields.
        var ruleFields = rule?.Fields.Where(f => f != RecordFields.Attachments).ToList();
        IReadOnlyList<string> allowedFields = ruleFields is { Count: > 0 } f ? f : RecordFields.All;
        if (rule?.Fields.Contains(RecordFields.Attachments) == true) allowedFields = [.. allowedFields, RecordFields.Attachments];
        var fields = requestedFields.Count == 0 ? [.. allowedFields] : requestedFields.Where(allowedFields.Contains).ToList();

        string? refusal = null;
        if (record.Withdrawn)
        {
            refusal = "The record has been withdrawn.";
        }
        else if (sharing == SharingTerms.None)
        {
            refusal = rule is null || record.Sharing == SharingTerms.None
                ? "The record is not shared (不予共享)."
                : $"Records covered by rule '{rule.Name}' are not shared (不予共享).";
        }
        else if (rule is { AllowedDepartments.Count: > 0 } && !rule.AllowedDepartments.Contains(requester))
        {
            refusal = $"Rule '{rule.Name}' does not allow requests from {requester}.";
        }
        else if (rule is { Purposes.Count: > 0 } && !rule.Purposes.Any(p => purpose.Contains(p, StringComparison.OrdinalIgnoreCase)))
        {
            refusal = $"Rule '{rule.Name}' allows only these purposes: {string.Join(", ", rule.Purposes)}.";
        }
        else if (fields.Count == 0)
        {
            refusal = "None of the requested fields may be shared.";
        }
        return new SharingDecision(sharing, rule, refusal, fields, masks.Where(m => fields.Contains(m.Key)).ToDictionary(), validity);
    }
}
