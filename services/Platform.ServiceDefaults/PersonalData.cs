using System.Text.RegularExpressions;

namespace Platform.ServiceDefaults;

/// <summary>
/// Masks personal data in free text that goes into the audit log or logs: mainland ID-card numbers keep their first 6 and
/// last 4 characters (110101********1234), mobile numbers their first 3 and last 4 (138****5678), as the sharing rules'
/// masks do. Numbers run into letters or digits (ids, hashes, GUIDs) are left alone, except after a JSON <c>\uXXXX</c>
/// escape (serialised details escape the Chinese text around a number).
/// </summary>
public static partial class PersonalData
{
    public static string? Mask(string? text)
    {
        if (string.IsNullOrEmpty(text) || !ContainsLongDigitRun(text)) return text;
        var masked = IdCard().Replace(text, m => m.Value[..6] + new string('*', m.Value.Length - 10) + m.Value[^4..]);
        return Phone().Replace(masked, m => m.Value[..3] + "****" + m.Value[^4..]);
    }

    // Cheap pre-check: both kinds need at least 11 digits in a row, which most text has not.
    private static bool ContainsLongDigitRun(string text)
    {
        var run = 0;
        foreach (var c in text)
        {
            run = char.IsAsciiDigit(c) ? run + 1 : 0;
            if (run >= 11) return true;
        }
        return false;
    }

    [GeneratedRegex(@"(?:(?<![0-9A-Za-z])|(?<=\\u[0-9A-Fa-f]{4}))[1-9][0-9]{5}(?:18|19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])[0-9]{3}[0-9Xx](?![0-9A-Za-z])")]
    private static partial Regex IdCard();

    [GeneratedRegex(@"(?:(?<![0-9A-Za-z])|(?<=\\u[0-9A-Fa-f]{4}))1[3-9][0-9]{9}(?![0-9A-Za-z])")]
    private static partial Regex Phone();
}
