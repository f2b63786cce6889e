using System.Security.Cryptography;
using System.Text;

namespace Platform.ServiceDefaults;

/// <summary>
/// Makes free text from outside (paths, client ids, methods) storable in a column of bounded length: PostgreSQL refuses a
/// NUL character, so each becomes U+FFFD, and a value longer than the column is cut and ends with
/// <c>…[truncated sha256:&lt;hex&gt;]</c>, the SHA-256 of the whole value (UTF-8), so a reader sees it was cut and can
/// still check a candidate for the full value. Columns too short for the whole hash get its first 16 hex digits, and those too short for any marker are just cut.
/// </summary>
public static class StoredText
{
    private const string Marker = "…[truncated sha256:";

    // Below this many characters of the value itself, the marker carries a shortened hash.
    private const int MinimumKept = 32;

    public static string Fit(string value, int maxLength)
    {
        ArgumentNullException.ThrowIfNull(value);
        var clean = value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
        if (clean.Length <= maxLength) return clean;

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(clean)));
        var marker = $"{Marker}{hash}]";
        if (maxLength - marker.Length < MinimumKept) marker = $"{Marker}{hash[..16]}]";
        // A column too short even for that (a trace id) keeps what fits.
        var kept = marker.Length > maxLength ? maxLength : maxLength - marker.Length;
        if (marker.Length > maxLength) marker = "";
        // Never split a surrogate pair: half a character is not valid text.
        if (kept > 0 && char.IsHighSurrogate(clean[kept - 1])) kept--;
        return clean[..kept] + marker;
    }

    /// <summary><see cref="Fit(string, int)"/> for optional values.</summary>
    public static string? FitOrNull(string? value, int maxLength) => value is null ? null : Fit(value, maxLength);
}
