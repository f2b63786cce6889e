using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// Malformed and boundary input for every operation of the services' OpenAPI documents (fetched through dept-a's
/// gateway), with a token and without one. Every answer must be a success or a 4xx problem (never a 5xx, never a 4xx
/// without <c>application/problem+json</c>), and dept-a must be healthy afterwards. Seeded, with a fixed number of cases
/// per operation, so a failure can be replayed and the run takes bounded time.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed partial class InputFuzzTests(TwoNodePlatform platform)
{
    private const int Seed = 18;
    private const int CasesWithToken = 24;
    private const int CasesWithoutToken = 6;
    private const int Parallelism = 4;

    private static readonly string[] Documents = ["catalogue", "sharing", "audit", "notify"];

    /// <summary>Operations that take no input and act on the whole node (replaying every error queue), called once rather than fuzzed.</summary>
    private static readonly Regex ActsOnTheWholeNode = ReplayAllPattern();

    [Fact]
    public async Task Every_operation_answers_malformed_and_boundary_input_with_a_4xx_problem_and_the_node_stays_healthy()
    {
        var operations = await OperationsAsync();
        operations.Count.ShouldBeGreaterThan(60);
        var token = await platform.DeptA.TokenAsync();
        var random = new Random(Seed);
        var requests = new List<FuzzRequest>();
        foreach (var operation in operations)
        {
            var withToken = ActsOnTheWholeNode.IsMatch(operation.Path) && operation.Method == "POST" ? 1 : CasesWithToken;
            for (var i = 0; i < withToken; i++) requests.Add(FuzzCases.Make(operation, i, random, token));
            // Spread over the strategies rather than the first few.
            for (var i = 0; i < CasesWithoutToken; i++) requests.Add(FuzzCases.Make(operation, i * 3, random, null));
        }
        requests.AddRange(FuzzCases.FromTheIssue(token));

        // A source address of its own: its anonymous requests use up the gateway's anonymous limit for this address only.
        var handler = LoopbackSource.New().Handler();
        (handler.AllowAutoRedirect, handler.UseCookies) = (false, false);
        using var http = new HttpClient(handler)
        {
            BaseAddress = platform.DeptA.Gateway,
            Timeout = TimeSpan.FromSeconds(60),
        };
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        var clock = Stopwatch.StartNew();
        await Parallel.ForEachAsync(requests, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (request, cancellationToken) =>
        {
            if (await SendAsync(http, request, cancellationToken) is { } failure) failures.Add(failure);
        });
        clock.Stop();
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{requests.Count} requests over {operations.Count} operations in {clock.Elapsed.TotalSeconds:0.0} s; {failures.Count} failed");

        failures.OrderBy(f => f, StringComparer.Ordinal).ShouldBeEmpty();
        await platform.DeptA.WaitUntilHealthyAsync(TimeSpan.FromSeconds(30));
        using var ready = await http.GetAsync("health/ready", TestContext.Current.CancellationToken);
        ready.StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static async Task<string?> SendAsync(HttpClient http, FuzzRequest fuzz, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(new HttpMethod(fuzz.Method), new Uri(http.BaseAddress!, fuzz.Target));
        if (fuzz.Token is not null) request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", fuzz.Token);
        if (fuzz.Body is not null)
        {
            request.Content = new ByteArrayContent(fuzz.Body);
            if (fuzz.ContentType is not null) request.Content.Headers.TryAddWithoutValidation("Content-Type", fuzz.ContentType);
        }
        try
        {
            // Headers only: an event stream that was accepted would never end.
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var status = (int)response.StatusCode;
            var type = response.Content.Headers.ContentType?.MediaType;
            if (status < 500 && (status < 400 || type == "application/problem+json")) return null;
            // Kestrel refuses a path holding %00 while parsing the request line, before any application code runs, with an
            // empty 400 that cannot be given a body (aspnet/KestrelHttpServer#2947): the one 4xx that is not a problem.
            if (status == 400 && NulInPath(fuzz.Target) && response.Content.Headers.ContentLength == 0) return null;
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return $"{fuzz.Operation} [{fuzz.Case}{(fuzz.Token is null ? ", anonymous" : "")}]: {status} {type ?? "(no type)"} {Shorten(body, 200)}"
                + $" <- {fuzz.Method} {Shorten(fuzz.Target, 160)}";
        }
        catch (HttpRequestException ex)
        {
            return $"{fuzz.Operation} [{fuzz.Case}]: no answer ({ex.Message}) <- {fuzz.Method} {Shorten(fuzz.Target, 160)}";
        }
    }

    private static bool NulInPath(string target) =>
        target.Split('?', 2)[0].Contains("%00", StringComparison.OrdinalIgnoreCase);

    private static string Shorten(string text, int length) => text.Length <= length ? text : text[..length] + $"…({text.Length})";

    private async Task<List<Operation>> OperationsAsync()
    {
        using var http = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        var operations = new List<Operation>();
        foreach (var document in Documents)
        {
            using var openApi = JsonDocument.Parse(await http.GetStringAsync($"openapi/{document}.json"));
            var root = openApi.RootElement;
            foreach (var path in root.GetProperty("paths").EnumerateObject())
            {
                foreach (var method in path.Value.EnumerateObject().Where(m => m.Name is "get" or "post" or "put" or "patch" or "delete"))
                {
                    var parameters = new List<Parameter>();
                    if (method.Value.TryGetProperty("parameters", out var declared))
                    {
                        foreach (var parameter in declared.EnumerateArray())
                        {
                            var schema = parameter.TryGetProperty("schema", out var s) ? Resolve(root, s) : default;
                            parameters.Add(new Parameter(parameter.GetProperty("name").GetString()!, parameter.GetProperty("in").GetString()!,
                                TypeOf(schema), schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("format", out var f) ? f.GetString() : null));
                        }
                    }
                    string? bodyType = null;
                    JsonNode? sample = null;
                    if (method.Value.TryGetProperty("requestBody", out var body) && body.TryGetProperty("content", out var content))
                    {
                        var first = content.EnumerateObject().First();
                        bodyType = first.Name;
                        if (first.Value.TryGetProperty("schema", out var schema)) sample = Sample(root, schema, 0);
                    }
                    operations.Add(new Operation(method.Name.ToUpperInvariant(), path.Name, parameters, bodyType, sample?.ToJsonString()));
                }
            }
        }
        return operations;
    }

    private static JsonElement Resolve(JsonElement root, JsonElement schema)
    {
        while (schema.ValueKind == JsonValueKind.Object && schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!.Split('/')[^1];
            schema = root.GetProperty("components").GetProperty("schemas").GetProperty(name);
        }
        return schema;
    }

    /// <summary>The schema's type, the first that is not "null" (OpenAPI 3.1 writes nullable types as arrays).</summary>
    private static string TypeOf(JsonElement schema)
    {
        if (schema.ValueKind != JsonValueKind.Object || !schema.TryGetProperty("type", out var type)) return "string";
        return type.ValueKind == JsonValueKind.Array
            ? type.EnumerateArray().Select(t => t.GetString()!).FirstOrDefault(t => t != "null") ?? "string"
            : type.GetString() ?? "string";
    }

    /// <summary>A plausible value for <paramref name="schema"/>, which the cases then break one field at a time.</summary>
    private static JsonNode? Sample(JsonElement root, JsonElement schema, int depth)
    {
        schema = Resolve(root, schema);
        if (depth > 4 || schema.ValueKind != JsonValueKind.Object) return null;
        var format = schema.TryGetProperty("format", out var f) ? f.GetString() : null;
        switch (TypeOf(schema))
        {
            case "object":
                var sample = new JsonObject();
                if (schema.TryGetProperty("properties", out var properties))
                {
                    foreach (var property in properties.EnumerateObject()) sample[property.Name] = Sample(root, property.Value, depth + 1);
                }
                return sample;
            case "array":
                return schema.TryGetProperty("items", out var items) ? new JsonArray(Sample(root, items, depth + 1)) : new JsonArray();
            case "integer" or "number":
                return 1;
            case "boolean":
                return true;
            default:
                return format switch
                {
                    "uuid" => Guid.NewGuid().ToString(),
                    "date-time" => DateTimeOffset.UtcNow.ToString("O", CultureInfo.InvariantCulture),
                    "date" => "2023-05-08",
                    _ => "x",
                };
        }
    }

    [GeneratedRegex("/operator/error-messages/replay$")]
    private static partial Regex ReplayAllPattern();
}

internal sealed record Parameter(string Name, string In, string Type, string? Format);

internal sealed record Operation(string Method, string Path, IReadOnlyList<Parameter> Parameters, string? BodyType, string? SampleBody)
{
    public override string ToString() => $"{Method} {Path}";
}

/// <summary>One request of the run: what it was made from (<see cref="Operation"/>, <see cref="Case"/>) and what is sent.</summary>
internal sealed record FuzzRequest(string Operation, string Case, string Method, string Target, string? Token, byte[]? Body, string? ContentType);
