using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The inputs issue #18 found answered with 500, each answered now as a user should see it: a page past the end is an
/// empty page, and text, years, times and CSV headers the node cannot use are a 4xx problem naming the field.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class BadInputTests(TwoNodePlatform platform)
{
    [Theory]
    [InlineData("api/catalogue/records?page=2147483647")]
    [InlineData("api/catalogue/records?page=99999999&pageSize=500")]
    [InlineData("api/catalogue/federated?page=2147483647&pageSize=500")]
    [InlineData("api/notify/inbox?page=2147483647")]
    public async Task A_page_far_past_the_last_is_an_empty_page(string target)
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.GetAsync(target);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        var page = await response.ReadJsonAsync();
        page.GetProperty("items").GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task A_record_whose_title_holds_NUL_is_refused_naming_title_and_nothing_accepted_is_lost()
    {
        using var http = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients["publisher"]);
        var kept = Records.Valid();
        using var pushed = await http.PostJsonAsync("api/catalogue/records", kept);
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString();

        using var refused = await http.PostJsonAsync("api/catalogue/records", Records.Valid(title: "abc\u0000def"));
        await ShouldBeProblemNaming(refused, HttpStatusCode.BadRequest, "title");

        // The same record again with a NUL title: refused, and the stored version stays as it was.
        using var update = await http.PostJsonAsync("api/catalogue/records", new Dictionary<string, object?>(kept) { ["title"] = "abc\u0000def" });
        await ShouldBeProblemNaming(update, HttpStatusCode.BadRequest, "title");
        var stored = await http.GetJsonAsync($"api/catalogue/records/{id}");
        stored.GetProperty("version").GetInt32().ShouldBe(1);
        stored.GetProperty("metadata").GetProperty("title").GetString().ShouldBe((string)kept["title"]!);

        // In a batch, only the item holding NUL is rejected.
        using var batch = await http.PostJsonAsync("api/catalogue/records/batch", new { records = new[] { Records.Valid(), Records.Valid(title: "abc\u0000def") } });
        batch.StatusCode.ShouldBe(HttpStatusCode.OK);
        var results = (await batch.ReadJsonAsync()).GetProperty("results");
        results[0].GetProperty("status").GetString().ShouldBe("accepted");
        results[1].GetProperty("status").GetString().ShouldBe("rejected");
        results[1].GetProperty("errors").TryGetProperty("title", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_record_pushed_with_invalid_UTF8_or_a_lone_surrogate_is_refused_naming_the_field()
    {
        using var http = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients["publisher"]);
        var json = JsonSerializer.Serialize(Records.Valid(title: "TITLE"), JsonSerializerOptions.Web);
        var at = json.IndexOf("TITLE", StringComparison.Ordinal);
        byte[] invalidUtf8 = [.. Encoding.UTF8.GetBytes(json[..at]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(json[(at + 5)..])];
        using var content = new ByteArrayContent(invalidUtf8);
        content.Headers.ContentType = new("application/json");
        using var refused = await http.PostAsync("api/catalogue/records", content);
        await ShouldBeProblemNaming(refused, HttpStatusCode.BadRequest, "title");

        using var surrogate = new StringContent(json.Replace("TITLE", "abc\\ud800def", StringComparison.Ordinal), Encoding.UTF8, "application/json");
        using var refusedSurrogate = await http.PostAsync("api/catalogue/records", surrogate);
        await ShouldBeProblemNaming(refusedSurrogate, HttpStatusCode.BadRequest, "title");
    }

    [Theory]
    [InlineData("api/catalogue/records?year=-1", "year")]
    [InlineData("api/catalogue/records?year=0", "year")]
    [InlineData("api/catalogue/federated?yearFrom=0", "yearFrom")]
    [InlineData("api/audit/traffic?to=0001-01-01T00:00:00Z", "to")]
    [InlineData("api/audit/kpis?from=9999-12-31T00:00:00Z", "from")]
    [InlineData("api/sharing/records?sharing=abc%00def", "sharing")]
    [InlineData("api/catalogue/records?fonds=%00", "fonds")]
    [InlineData("api/catalogue/records?page=abc", "page")]
    public async Task A_query_value_the_node_cannot_use_is_a_400_problem_naming_it(string target, string field)
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.GetAsync(target);
        await ShouldBeProblemNaming(response, HttpStatusCode.BadRequest, field);
    }

    [Fact]
    public async Task A_subscription_whose_url_holds_NUL_is_a_400_problem_naming_the_field()
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.PostJsonAsync("api/notify/subscriptions",
            new { channel = "webhook", eventTypes = new[] { "RecordPublished" }, url = "http://127.0.0.1:9/\u0000", secret = "s" });
        await ShouldBeProblemNaming(response, HttpStatusCode.BadRequest, "url");
    }

    [Theory]
    [InlineData("title,title,creator\nA,B,C\n", "'title'")]
    [InlineData("title,题名,creator\nA,B,C\n", "'title'")]
    [InlineData(null, "10000 columns")]
    public async Task A_CSV_whose_header_repeats_a_column_or_has_thousands_is_a_400_problem_naming_it(string? csv, string named)
    {
        csv ??= string.Join(',', Enumerable.Range(0, 10_000).Select(i => $"c{i}")) + "\n" + string.Join(',', Enumerable.Repeat("v", 10_000)) + "\n";
        using var http = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients["publisher"]);
        using var content = new StringContent(csv, Encoding.UTF8, "text/csv");
        using var response = await http.PostAsync("api/catalogue/records/csv", content);

        var problem = await ShouldBeProblemNaming(response, HttpStatusCode.BadRequest, "header");
        problem.GetProperty("errors").GetProperty("header")[0].GetString()!.ShouldContain(named);
    }

    [Fact]
    public async Task A_request_target_over_the_limit_is_a_414_problem_with_a_token_or_without()
    {
        var target = "api/catalogue/records?q=" + new string('q', 9_000);
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.GetAsync(target);
        response.StatusCode.ShouldBe(HttpStatusCode.RequestUriTooLong);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");

        using var anonymous = new HttpClient { BaseAddress = platform.DeptA.Gateway };
        using var denied = await anonymous.GetAsync(target);
        ((int)denied.StatusCode).ShouldBeInRange(400, 499);
        denied.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    private static async Task<JsonElement> ShouldBeProblemNaming(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, body);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = JsonDocument.Parse(body).RootElement.Clone();
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue(body);
        return problem;
    }
}
