using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults.Input;

namespace Platform.Catalogue.Model;

/// <summary>Validation and normalisation settings for pushed records (section <c>Catalogue:Records</c>).</summary>
public sealed class RecordRules
{
    public const string Section = "Catalogue:Records";

    /// <summary>档号 pattern; the default is 全宗号-年度-保管期限-件号, e.g. <c>A012-2023-Y-0001</c>.</summary>
    public string ArchivalCodePattern { get; set; } = @"^[A-Z0-9]{1,12}-\d{4}-[A-Z0-9]{1,4}-\d{1,6}$";

    /// <summary>The highest 密级 accepted; anything above is refused at ingestion.</summary>
    public string HighestAcceptedClassification { get; set; } = "internal";

    /// <summary>共享属性 when the push names none.</summary>
    public string DefaultSharing { get; set; } = SharingAttributes.Conditional;
}

/// <summary>Outcome of validating one pushed record: normalised metadata, or the errors per field.</summary>
public sealed record RecordValidation(RecordMetadata? Metadata, Dictionary<string, string[]> Errors)
{
    public bool IsValid => Errors.Count == 0;
}

/// <summary>
/// Turns a pushed JSON record into normalised metadata (DA/T 46 core fields): Chinese date forms to ISO,
/// full-width characters to half-width, Chinese enumeration terms to canonical values, unknown fields reported.
/// </summary>
public sealed partial class RecordValidator(IOptions<RecordRules> rules)
{
    private static readonly string[] Classifications = ["public", "internal", "secret", "confidential", "top-secret"];

    private static readonly Dictionary<string, string> RetentionTerms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["permanent"] = "permanent", ["永久"] = "permanent",
        ["30y"] = "30y", ["定期30年"] = "30y", ["30年"] = "30y",
        ["10y"] = "10y", ["定期10年"] = "10y", ["10年"] = "10y",
    };

    private static readonly Dictionary<string, string> ClassificationTerms = new(StringComparer.OrdinalIgnoreCase)
    {
        ["public"] = "public", ["公开"] = "public",
        ["internal"] = "internal", ["内部"] = "internal",
        ["secret"] = "secret", ["秘密"] = "secret",
        ["confidential"] = "confidential", ["机密"] = "confidential",
        ["top-secret"] = "top-secret", ["绝密"] = "top-secret",
    };

    private static readonly Dictionary<string, string> SharingTerms = new(StringComparer.OrdinalIgnoreCase)
    {
        [SharingAttributes.Unconditional] = SharingAttributes.Unconditional, ["无条件共享"] = SharingAttributes.Unconditional,
        [SharingAttributes.Conditional] = SharingAttributes.Conditional, ["有条件共享"] = SharingAttributes.Conditional,
        [SharingAttributes.None] = SharingAttributes.None, ["不予共享"] = SharingAttributes.None,
    };

    private static readonly HashSet<string> KnownFields =
    [
        "externalId", "fondsCode", "archivalCode", "title", "creator", "date", "documentNumber",
        "retentionPeriod", "classification", "category", "keywords", "description", "sharing",
    ];

    // The pattern is configuration, so it is matched without backtracking: linear in the input whatever the pattern,
    // hence no timeout. (A 100 ms timeout used to fire on a two-core machine under load for an ordinary code, and
    // failed whole batches.) A pattern needing backtracking constructs is refused at start-up.
    private readonly Regex _archivalCode = new(rules.Value.ArchivalCodePattern, RegexOptions.CultureInvariant | RegexOptions.NonBacktracking);

    public RecordValidation Validate(JsonElement input)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.ValueKind != JsonValueKind.Object)
        {
            errors["$"] = ["A record must be a JSON object."];
            return new RecordValidation(null, errors);
        }

        foreach (var property in input.EnumerateObject())
        {
            if (!TryName(property, out var name))
            {
                errors["$"] = ["A field name is not valid Unicode text."];
            }
            else if (!KnownFields.Contains(name))
            {
                errors[name] = [$"Unknown field '{name}'."];
            }
        }

        var fields = new FieldReader(input, errors);
        var externalId = fields.Code("externalId", required: true, maxLength: 200);
        var fondsCode = fields.Code("fondsCode", required: true, maxLength: 50)?.ToUpperInvariant();
        var archivalCode = fields.Code("archivalCode", required: true, maxLength: 100)?.ToUpperInvariant();
        var title = fields.Text("title", required: true, maxLength: 1000);
        var creator = fields.Text("creator", required: true, maxLength: 500);
        var dateText = fields.Code("date", required: true, maxLength: 40);
        var documentNumber = fields.Text("documentNumber", required: false, maxLength: 200);
        var retention = fields.Term("retentionPeriod", required: true, RetentionTerms, "permanent, 30y, 10y (永久, 定期30年, 定期10年)");
        var classification = fields.Term("classification", required: true, ClassificationTerms, "public, internal, secret, confidential, top-secret (公开, 内部, 秘密, 机密, 绝密)");
        var category = fields.Text("category", required: false, maxLength: 100);
        var keywords = fields.List("keywords", maxItems: 50, maxLength: 100);
        var description = fields.Text("description", required: false, maxLength: 4000);
        var sharing = fields.Term("sharing", required: false, SharingTerms, "unconditional, conditional, none (无条件共享, 有条件共享, 不予共享)")
            ?? rules.Value.DefaultSharing;

        DateOnly date = default;
        if (dateText is not null && !TryParseDate(dateText, out date))
        {
            errors["date"] = [$"'{dateText}' is not a date; use ISO 8601 (2023-05-08) or 2023年5月8日, 2023.05.08, 20230508."];
        }
        if (archivalCode is not null && !_archivalCode.IsMatch(archivalCode))
        {
            errors["archivalCode"] = [$"'{archivalCode}' does not match the archival code pattern {rules.Value.ArchivalCodePattern} (全宗号-年度-保管期限-件号, e.g. A012-2023-Y-0001)."];
        }
        if (classification is not null && IsAboveAccepted(classification))
        {
            errors["classification"] = [$"Records classified '{classification}' are not accepted by this node (highest accepted: {rules.Value.HighestAcceptedClassification})."];
        }

        if (errors.Count > 0)
        {
            return new RecordValidation(null, errors);
        }
        return new RecordValidation(
            new RecordMetadata(externalId!, fondsCode!, archivalCode!, title!, creator!, date, documentNumber,
                retention!, classification!, category, keywords, description, sharing),
            errors);
    }

    private static bool TryName(JsonProperty property, out string name)
    {
        try
        {
            name = property.Name;
            return true;
        }
        catch (InvalidOperationException)
        {
            name = "";
            return false;
        }
    }

    private bool IsAboveAccepted(string classification) =>
        Array.IndexOf(Classifications, classification) > Array.IndexOf(Classifications, rules.Value.HighestAcceptedClassification);

    internal static bool TryParseDate(string text, out DateOnly date)
    {
        date = default;
        var match = DatePattern().Match(text);
        if (!match.Success)
        {
            return false;
        }
        var year = int.Parse(match.Groups["y"].Value, CultureInfo.InvariantCulture);
        var month = int.Parse(match.Groups["m"].Value, CultureInfo.InvariantCulture);
        var day = int.Parse(match.Groups["d"].Value, CultureInfo.InvariantCulture);
        if (year < 1000 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month))
        {
            return false;
        }
        date = new DateOnly(year, month, day);
        return true;
    }

    /// <summary>
    /// Full-width letters and digits to half-width, whitespace runs (ideographic space included) to one space, trimmed.
    /// Chinese punctuation such as （）、：stays as it is: it is correct in Chinese text.
    /// </summary>
    internal static string Normalize(string text) =>
        Whitespace().Replace(FullWidthAlphanumeric().Replace(text, m => m.Value.Normalize(NormalizationForm.FormKC)), " ").Trim();

    /// <summary>Codes (全宗号, 档号, ids) are ASCII: every full-width form, punctuation included, becomes half-width.</summary>
    internal static string NormalizeCode(string text) =>
        Whitespace().Replace(text.Normalize(NormalizationForm.FormKC), " ").Trim();

    [GeneratedRegex("[０-９Ａ-Ｚａ-ｚ]+")]
    private static partial Regex FullWidthAlphanumeric();

    [GeneratedRegex(@"^(?<y>\d{4})(?:[-./年](?<m>\d{1,2})[-./月](?<d>\d{1,2})日?|(?<m>\d{2})(?<d>\d{2}))$")]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"\s+")]
    private static partial Regex Whitespace();

    /// <summary>Reads typed fields out of the pushed object, recording one error per bad field.</summary>
    private sealed class FieldReader(JsonElement input, Dictionary<string, string[]> errors)
    {
        public string? Code(string name, bool required, int maxLength) => Text(name, required, maxLength, NormalizeCode);

        public string? Text(string name, bool required, int maxLength) => Text(name, required, maxLength, Normalize);

        private string? Text(string name, bool required, int maxLength, Func<string, string> normalize)
        {
            if (!input.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                if (required) errors[name] = [$"'{name}' is required."];
                return null;
            }
            if (value.ValueKind is not (JsonValueKind.String or JsonValueKind.Number))
            {
                errors[name] = [$"'{name}' must be a string."];
                return null;
            }
            if ((value.ValueKind == JsonValueKind.String ? StoredText(name, value) : value.GetRawText()) is not { } raw)
            {
                return null;
            }
            var text = normalize(raw);
            if (text.Length == 0)
            {
                if (required) errors[name] = [$"'{name}' must not be empty."];
                return null;
            }
            if (text.Length > maxLength)
            {
                errors[name] = [$"'{name}' is longer than {maxLength} characters."];
                return null;
            }
            return text;
        }

        /// <summary>A string value the database can store, or null with the field's error recorded.</summary>
        private string? StoredText(string name, JsonElement value)
        {
            string text;
            try
            {
                text = value.GetString()!;
            }
            catch (InvalidOperationException)
            {
                errors[name] = [$"'{name}': {StorableText.InvalidTextMessage}"];
                return null;
            }
            if (StorableText.HasNul(text))
            {
                errors[name] = [$"'{name}': {StorableText.NulMessage}"];
                return null;
            }
            return text;
        }

        public string? Term(string name, bool required, Dictionary<string, string> terms, string allowed)
        {
            var text = Code(name, required, maxLength: 40);
            if (text is null)
            {
                return null;
            }
            if (terms.TryGetValue(text.Replace(" ", "", StringComparison.Ordinal), out var canonical))
            {
                return canonical;
            }
            errors[name] = [$"'{text}' is not a valid {name}; use one of {allowed}."];
            return null;
        }

        public List<string> List(string name, int maxItems, int maxLength)
        {
            if (!input.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return [];
            }
            IEnumerable<JsonElement> elements = value.ValueKind == JsonValueKind.Array ? value.EnumerateArray() : [value];
            var items = new List<string>();
            foreach (var element in elements)
            {
                if (element.ValueKind != JsonValueKind.String)
                {
                    errors[name] = [$"'{name}' must be an array of strings or one string separated by ；, ;, ，, 、 or spaces."];
                    return [];
                }
                if (StoredText(name, element) is not { } item)
                {
                    return [];
                }
                items.AddRange(value.ValueKind == JsonValueKind.String ? KeywordSeparators().Split(item) : [item]);
            }
            var list = new List<string>();
            foreach (var item in items)
            {
                var text = Normalize(item);
                if (text.Length > maxLength)
                {
                    errors[name] = [$"Each of '{name}' must be at most {maxLength} characters."];
                    return [];
                }
                if (text.Length > 0 && !list.Contains(text)) list.Add(text);
            }
            if (list.Count > maxItems)
            {
                errors[name] = [$"At most {maxItems} {name}."];
                return [];
            }
            return list;
        }
    }

    [GeneratedRegex(@"[;；,，、\s]+")]
    private static partial Regex KeywordSeparators();
}
