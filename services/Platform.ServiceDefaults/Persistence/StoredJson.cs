using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Unicode;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Options for JSON written to <c>jsonb</c> columns: web naming, and non-ASCII text (Chinese) written as itself rather
/// than as <c>\uXXXX</c> escapes, which cost time to write, room on the wire and time for PostgreSQL to parse. The
/// stored value is the same either way (jsonb keeps the decoded text); characters significant in HTML stay escaped.
/// </summary>
public static class StoredJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerOptions.Web) { Encoder = JavaScriptEncoder.Create(UnicodeRanges.All) };
}
