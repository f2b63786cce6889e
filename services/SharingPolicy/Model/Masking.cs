using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// Masks (脱敏) applied to granted content at the owner before it leaves: ID-card numbers keep their first 6 and last
/// 4 characters (110101********1234), mobile numbers their first 3 and last 4 (138****5678), names their first
/// character (张*), and <c>redact</c> removes the value.
/// </summary>
public static partial class Masking
{
    /// <summary>Applies each of the comma-separated mask kinds in <paramref name="kinds"/> in turn (e.g. <c>id-card,phone</c>).</summary>
    public static string Apply(string kinds, string value) =>
        kinds.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Aggregate(value, (text, kind) => ApplyOne(kind, text));

    private static string ApplyOne(string kind, string value) => kind switch
    {
        "id-card" => IdCard().Replace(value, m => m.Value[..6] + new string('*', m.Value.Length - 10) + m.Value[^4..]),
        "phone" => Landline().Replace(Phone().Replace(value, m => m.Value[..3] + "****" + m.Value[^4..]), MaskLandline),
        "landline" => Landline().Replace(value, MaskLandline),
        "name" => MaskName(value),
        _ => "***",
    };

    /// <summary>
    /// The catalogue view of a record: only <paramref name="fields"/> (those left out are empty), each masked as
    /// <paramref name="masks"/> says and then, in free text and whatever the rule, for ID-card, mobile and landline numbers.
    /// </summary>
    public static RecordMetadata CatalogueView(RecordMetadata m, IReadOnlyCollection<string> fields, IReadOnlyDictionary<string, string> masks)
    {
        string? Text(string field, string? value)
        {
            if (value is null || !fields.Contains(field)) return null;
            var masked = masks.TryGetValue(field, out var kinds) ? Apply(kinds, value) : value;
            return FreeText.Contains(field) ? Apply(PersonalDataMasks, masked) : masked;
        }
        return new RecordMetadata(
            ExternalId: Text("externalId", m.ExternalId) ?? "",
            FondsCode: Text("fondsCode", m.FondsCode) ?? "",
            ArchivalCode: Text("archivalCode", m.ArchivalCode) ?? "",
            Title: Text("title", m.Title) ?? "",
            Creator: Text("creator", m.Creator) ?? "",
            Date: m.Date,
            DocumentNumber: Text("documentNumber", m.DocumentNumber),
            RetentionPeriod: Text("retentionPeriod", m.RetentionPeriod) ?? "",
            Classification: Text("classification", m.Classification) ?? "",
            Category: Text("category", m.Category),
            Keywords: fields.Contains("keywords") ? [.. m.Keywords.Select(k => Text("keywords", k)!)] : [],
            Description: Text("description", m.Description),
            Sharing: m.Sharing);
    }

    /// <summary>Masked in the free text of everything a department announces, whether or not a rule names the field.</summary>
    private const string PersonalDataMasks = "id-card,phone";

    /// <summary>The fields written as free text, where personal data turns up (codes and attributes are left as they are).</summary>
    private static readonly string[] FreeText = ["title", "creator", "keywords", "description"];

    private static string MaskLandline(Match m) => m.Groups["area"].Value + new string('*', m.Value.Length - m.Groups["area"].Length - 4) + m.Value[^4..];

    /// <summary>Keeps only <paramref name="fields"/> of <paramref name="metadata"/> and masks what <paramref name="masks"/> names.</summary>
    public static JsonObject Project(JsonObject metadata, IReadOnlyCollection<string> fields, IReadOnlyDictionary<string, string> masks)
    {
        var result = new JsonObject();
        foreach (var (name, value) in metadata)
        {
            if (fields.Count > 0 && !fields.Contains(name))
            {
                continue;
            }
            result[name] = masks.TryGetValue(name, out var kind) ? MaskNode(kind, value) : value?.DeepClone();
        }
        return result;
    }

    private static JsonNode? MaskNode(string kind, JsonNode? value) => value switch
    {
        null => null,
        JsonArray array => new JsonArray([.. array.Select(item => MaskNode(kind, item))]),
        JsonValue text when text.TryGetValue(out string? s) => JsonValue.Create(Apply(kind, s)),
        _ => JsonValue.Create(Apply(kind, value.ToJsonString())),
    };

    // Each name in a list (顿号, comma or semicolon separated) keeps its first character.
    private static string MaskName(string value) =>
        NameSeparator().Replace(value.Trim(), "\u0000").Split('\u0000')
            .Select(name => name.Length <= 1 ? "*" : name[..1] + new string('*', name.Length - 1))
            .Aggregate((a, b) => a + "、" + b);

    [GeneratedRegex(@"(?<![0-9])[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9])")]
    private static partial Regex IdCard();

    // Mobile numbers, also written in groups (138 1234 5678, 138-1234-5678).
    [GeneratedRegex(@"(?<![0-9])1[3-9][0-9](?:[ -]?[0-9]{4}){2}(?![0-9])")]
    private static partial Regex Phone();

    // Landline numbers with their area code (010-12345678, 0571 8888 6666, 02112345678); the area code stays readable.
    [GeneratedRegex(@"(?<![0-9])(?<area>0[1-9][0-9]{1,2}[ -]?)[0-9]{3,4}[ -]?[0-9]{4}(?![0-9])")]
    private static partial Regex Landline();

    [GeneratedRegex(@"\s*[、,，;；]\s*")]
    private static partial Regex NameSeparator();
}

/// <summary>Review deadlines in working days (Monday–Friday, minus configured holidays).</summary>
public static class WorkingDays
{
    public static DateTimeOffset Add(DateTimeOffset start, int days, IReadOnlySet<DateOnly> holidays)
    {
        var at = start;
        var added = 0;
        while (added < days)
        {
            at = at.AddDays(1);
            var day = DateOnly.FromDateTime(at.UtcDateTime);
            if (at.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && !holidays.Contains(day))
            {
                added++;
            }
        }
        return at;
    }
}
