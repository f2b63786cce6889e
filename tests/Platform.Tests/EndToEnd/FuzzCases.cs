using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The malformed and boundary requests of <see cref="InputFuzzTests"/>: case <c>i</c> of an operation takes strategy
/// <c>i mod n</c> (so every operation meets every strategy) and draws its details from the seeded random.
/// </summary>
internal static partial class FuzzCases
{
    private const string LoneSurrogate = "\"__lone_surrogate__\"";
    private const string InvalidUtf8 = "\"__invalid_utf8__\"";

    /// <summary>Query values, already percent-encoded, for a string parameter.</summary>
    private static readonly string[] Strings =
    [
        "%00", "abc%00def", "%01%07%1B%7F", "%C2%85%E2%80%A8", new('x', 10_000), string.Concat(Enumerable.Repeat("%E6%A1%A3", 1_000)),
        "%ED%A0%80", "%FF%FE", "%C0%AF", "%27%20OR%20%271%27%3D%271", "..%2F..%2Fetc%2Fpasswd", "%25", "%20", "", "null", "-1", "%5B%5D",
    ];

    private static readonly string[] Integers =
    [
        "2147483647", "2147483648", "-2147483648", "-2147483649", "-1", "0", "99999999", "9223372036854775807", "9223372036854775808",
        "99999999999999999999", "1e400", "1.5", "abc", "", "0x1F", "%00", "NaN",
    ];

    private static readonly string[] DateTimes =
    [
        "0001-01-01T00:00:00Z", "9999-12-31T23:59:59.9999999Z", "0001-01-01T00:00:00%2B14:00", "9999-12-31T23:59:59-14:00", "2024-02-30",
        "-1", "0", "abc", "2147483647", "%00",
    ];

    private static readonly string[] Booleans = ["maybe", "2", "", "%00", "-1"];

    private static readonly string[] PathValues =
    [
        "not-a-guid", "%00", "00000000-0000-0000-0000-000000000000", new('a', 300), "..%2F..", "%FF", "%ED%A0%80", "%20", "-1", "2147483648",
        "%E6%A1%A3%E6%A1%88",
    ];

    /// <summary>JSON values that replace one field of a plausible body.</summary>
    private static readonly Func<JsonNode?>[] Values =
    [
        () => null, () => "abc\u0000def", () => new string('x', 10_000), () => 2147483648L, () => -9223372036854775807L, () => -1, () => 0,
        () => true, () => new JsonArray(), () => new JsonObject(), () => "\u0001\u001f\u007f", () => "not-a-guid", () => "0001-01-01T00:00:00Z",
        () => "9999-12-31T23:59:59Z", () => 1.5, () => "", () => Deep(50),
    ];

    private static readonly string[] RawNumbers = ["1e400", "99999999999999999999999999", "-0", "1E+2147483648", "NaN", "Infinity"];

    private static readonly string[] InvalidJson = ["{", "{\"a\":}", "[", "nul", "{\"a\" 1}", "{'a':1}", "\"unterminated", "{\"a\":1}}", "\u0000", "<x/>"];

    private static readonly string[] WrongRoots = ["[]", "\"s\"", "42", "null", "true", "[{}]"];

    private static readonly string[] WrongTypes =
    [
        "text/plain", "application/xml", "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/json; charset=latin1",
        "application/octet-stream", "text/csv", "invalid", "application/json; charset=utf-16",
    ];

    private static readonly string[] Methods = ["FOO", "GETT", "PROPFIND", new('X', 300), "OPTIONS", "TRACE", "PATCH", "CONNECTX"];

    private enum Strategy
    {
        Plain, EveryQuery, OneQuery, Numbers, PathIds, LongPath, NulInPath, OddMethod,
        InvalidJson, WrongRoot, OneField, InvalidUtf8, LoneSurrogate, DeepNesting, DuplicateKeys, WrongContentType, EmptyBody, RawNumber,
    }

    private static readonly Strategy[] WithoutBody = [.. Enum.GetValues<Strategy>().Where(s => s <= Strategy.OddMethod)];
    private static readonly Strategy[] WithBody = Enum.GetValues<Strategy>();

    public static FuzzRequest Make(Operation operation, int index, Random random, string? token)
    {
        var strategies = operation.BodyType is null ? WithoutBody : WithBody;
        var strategy = strategies[index % strategies.Length];
        var path = Path(operation, random, strategy == Strategy.PathIds);
        var query = Query(operation, random, strategy);
        var method = operation.Method;
        switch (strategy)
        {
            case Strategy.LongPath:
                path += "/" + new string('a', random.Next(300, 3_000));
                break;
            case Strategy.NulInPath:
                path = random.Next(2) == 0 ? path + "%00" : path.Insert(path.LastIndexOf('/') + 1, "%00");
                break;
            case Strategy.OddMethod:
                method = Pick(random, Methods);
                break;
        }
        var (body, contentType) = Body(operation, random, strategy);
        var target = path.TrimStart('/') + (query.Length > 0 ? "?" + query : "");
        return new FuzzRequest(operation.ToString(), strategy.ToString(), method, target, token, body, contentType);
    }

    /// <summary>The inputs the issue names, each sent as it is, with a token and without.</summary>
    public static IEnumerable<FuzzRequest> FromTheIssue(string token)
    {
        string[] targets =
        [
            "api/catalogue/records?page=2147483647", "api/catalogue/records?page=99999999&pageSize=500", "api/notify/inbox?page=2147483647",
            "api/catalogue/records?year=-1", "api/catalogue/records?year=0", "api/catalogue/federated?yearFrom=0&yearTo=-1",
            "api/audit/traffic?to=0001-01-01T00:00:00Z", "api/audit/traffic?from=0001-01-01T00:00:00Z&bucket=day",
            "api/catalogue/" + new string('a', 300), "api/catalogue/records/%00", "api/%00", "api/catalogue/" + new string('a', 10_000),
            "api/catalogue/records?q=" + new string('q', 20_000),
        ];
        foreach (var target in targets)
        {
            yield return new FuzzRequest("raw", "issue", "GET", target, token, null, null);
            yield return new FuzzRequest("raw", "issue", "GET", target, null, null, null);
        }
    }

    private static string Path(Operation operation, Random random, bool fuzz)
    {
        var ids = operation.Parameters.Where(p => p.In == "path").ToList();
        var fuzzed = fuzz && ids.Count > 0 ? Pick(random, ids).Name : null;
        return TemplateParameter().Replace(operation.Path, match =>
        {
            var name = match.Groups[1].Value;
            if (name == fuzzed) return Pick(random, PathValues);
            var parameter = ids.FirstOrDefault(p => p.Name == name);
            return parameter?.Format == "uuid" || parameter is null ? Guid.NewGuid().ToString() : "x";
        });
    }

    private static string Query(Operation operation, Random random, Strategy strategy)
    {
        var query = operation.Parameters.Where(p => p.In == "query").ToList();
        if (query.Count == 0) return strategy is Strategy.EveryQuery or Strategy.OneQuery ? "unknown=" + Pick(random, Strings) : "";
        var chosen = strategy switch
        {
            Strategy.EveryQuery => query,
            Strategy.OneQuery => [Pick(random, query)],
            Strategy.Numbers => query.Where(p => p.Type is "integer" or "number" || p.Format == "date-time").ToList(),
            _ => [],
        };
        if (strategy == Strategy.Numbers && query.Any(p => p.Name == "page"))
        {
            return random.Next(2) == 0 ? "page=2147483647" : "page=99999999&pageSize=500";
        }
        return string.Join('&', chosen.Select(p => $"{Uri.EscapeDataString(p.Name)}={Value(p, random)}"));
    }

    private static string Value(Parameter parameter, Random random) => parameter switch
    {
        { Type: "integer" or "number" } => Pick(random, Integers),
        { Format: "date-time" } => Pick(random, DateTimes),
        { Type: "boolean" } => Pick(random, Booleans),
        _ => Pick(random, Strings),
    };

    private static (byte[]? Body, string? ContentType) Body(Operation operation, Random random, Strategy strategy)
    {
        if (operation.BodyType is null) return (null, null);
        if (operation.BodyType.StartsWith("text/csv", StringComparison.Ordinal)) return Csv(random, strategy);
        if (!operation.BodyType.Contains("json", StringComparison.Ordinal))
        {
            // Uploads: a few bytes of the declared type, or a declared type that is not theirs.
            return strategy == Strategy.WrongContentType ? (Utf8("{}"), Pick(random, WrongTypes)) : (Utf8("\u0000\u00ff junk"), operation.BodyType);
        }
        var type = operation.BodyType;
        var sample = JsonNode.Parse(operation.SampleBody ?? "{}");
        switch (strategy)
        {
            case Strategy.InvalidJson:
                return (Utf8(Pick(random, InvalidJson)), type);
            case Strategy.WrongRoot:
                return (Utf8(Pick(random, WrongRoots)), type);
            case Strategy.OneField:
                SetOneField(sample, random, () => Pick(random, Values)());
                return (Utf8(sample!.ToJsonString()), type);
            case Strategy.InvalidUtf8:
                SetOneField(sample, random, () => "__invalid_utf8__");
                var text = sample!.ToJsonString();
                var at = text.IndexOf(InvalidUtf8, StringComparison.Ordinal);
                return at < 0
                    ? ([.. Utf8("{\"x\":\""), 0xFF, 0xFE, 0xC0, 0xAF, .. Utf8("\"}")], type)
                    : ([.. Utf8(text[..at] + "\"abc"), 0xFF, 0xFE, 0xED, 0xA0, 0x80, .. Utf8("def\"" + text[(at + InvalidUtf8.Length)..])], type);
            case Strategy.LoneSurrogate:
                SetOneField(sample, random, () => "__lone_surrogate__");
                var escaped = random.Next(2) == 0 ? "\"abc\\ud800def\"" : "\"\\udc00\"";
                var json = sample!.ToJsonString();
                return (Utf8(json.Contains(LoneSurrogate, StringComparison.Ordinal) ? json.Replace(LoneSurrogate, escaped, StringComparison.Ordinal) : "{\"x\":" + escaped + "}"), type);
            case Strategy.DeepNesting:
                var depth = random.Next(65, 10_000);
                return (Utf8(new string('[', depth) + new string(']', depth)), type);
            case Strategy.DuplicateKeys:
                var body = sample!.ToJsonString();
                if (sample is JsonObject { Count: > 0 } duplicated)
                {
                    var first = duplicated.First();
                    body = "{" + $"\"{first.Key}\":null," + body[1..];
                }
                else
                {
                    body = "{\"a\":1,\"a\":2}";
                }
                return (Utf8(body), type);
            case Strategy.WrongContentType:
                return (Utf8(sample!.ToJsonString()), Pick(random, WrongTypes));
            case Strategy.EmptyBody:
                return random.Next(2) == 0 ? ([], type) : ([], null);
            case Strategy.RawNumber:
                SetOneField(sample, random, () => "__raw_number__");
                var number = Pick(random, RawNumbers);
                var withNumber = sample!.ToJsonString().Replace("\"__raw_number__\"", number, StringComparison.Ordinal);
                return (Utf8(withNumber.Contains(number, StringComparison.Ordinal) ? withNumber : "{\"x\":" + number + "}"), type);
            default:
                return (Utf8(sample?.ToJsonString() ?? "{}"), type);
        }
    }

    private static (byte[]? Body, string? ContentType) Csv(Random random, Strategy strategy)
    {
        const string Header = "externalId,fondsCode,archivalCode,title,creator,date,retentionPeriod,classification";
        const string Row = "OA-1,A012,A012-2023-Y-000001,题名,办公室,2023-05-08,permanent,public";
        var csv = random.Next(8) switch
        {
            0 => "title,title,creator\nA,B,C\n",
            1 => string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"c{i}")) + "\n" + string.Join(',', Enumerable.Range(0, 10_000).Select(i => "v")) + "\n",
            2 => Header + "\n" + Row.Replace("题名", "abc\u0000def", StringComparison.Ordinal) + "\n",
            3 => Header + "\n\"unterminated,quote\n",
            4 => "",
            5 => Header + ",题名\n" + Row + ",again\n",
            6 => "\u0000\n\u0000\n",
            _ => Header + "\n" + Row + string.Concat(Enumerable.Repeat(",extra", 5_000)) + "\n",
        };
        return strategy == Strategy.InvalidUtf8 ? ([.. Utf8(Header + "\n"), 0xFF, 0xFE, 0x00, 0x81], "text/csv; charset=utf-8") : (Utf8(csv), "text/csv");
    }

    private static void SetOneField(JsonNode? sample, Random random, Func<JsonNode?> value)
    {
        // The first level, or an object inside the first level's arrays (a batch's records).
        if (sample is not JsonObject { Count: > 0 } root) return;
        var field = root.ElementAt(random.Next(root.Count));
        if (field.Value is JsonArray { Count: > 0 } array && array[0] is JsonObject { Count: > 0 } inner && random.Next(2) == 0)
        {
            var nested = inner.ElementAt(random.Next(inner.Count)).Key;
            inner[nested] = value();
            return;
        }
        root[field.Key] = value();
    }

    private static JsonNode Deep(int depth)
    {
        JsonNode node = new JsonArray();
        for (var i = 0; i < depth; i++) node = new JsonArray(node);
        return node;
    }

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    [GeneratedRegex(@"\{([^}:?]+)[^}]*\}")]
    private static partial Regex TemplateParameter();
}
