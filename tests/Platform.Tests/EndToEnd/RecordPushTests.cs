using System.Net;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Pushing records: validation with problem details, normalisation, idempotency and versions.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class RecordPushTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task A_push_with_missing_and_malformed_fields_gets_400_naming_each_field_and_stores_nothing()
    {
        using var http = await platform.DeptA.HttpAsync();
        var title = $"残缺记录 {Guid.NewGuid():N}";
        using var response = await http.PostJsonAsync("api/catalogue/records", new Dictionary<string, object?>
        {
            ["title"] = title,
            ["archivalCode"] = "not a code",
            ["date"] = "2023-13-45",
            ["retentionPeriod"] = "forever",
            ["classification"] = "绝密",
            ["colour"] = "blue",
        });

        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
        var problem = await response.ReadJsonAsync();
        var errors = problem.GetProperty("errors");
        foreach (var field in new[] { "externalId", "fondsCode", "creator", "archivalCode", "date", "retentionPeriod", "classification", "colour" })
        {
            errors.TryGetProperty(field, out _).ShouldBeTrue($"no error for '{field}' in {problem}");
        }
        errors.TryGetProperty("title", out _).ShouldBeFalse();

        var listed = await http.GetJsonAsync($"api/catalogue/records?q={Uri.EscapeDataString(title)}");
        listed.GetProperty("total").GetInt32().ShouldBe(0);
    }

    [Fact]
    public async Task A_body_that_is_not_json_gets_a_problem_not_a_500()
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.PostAsync("api/catalogue/records", new StringContent("{\"title\": ", System.Text.Encoding.UTF8, "application/json"));
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").TryGetProperty("$", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Chinese_dates_terms_and_full_width_characters_are_normalised()
    {
        using var http = await platform.DeptA.HttpAsync();
        var record = Records.Valid();
        record["date"] = "2023年5月8日";
        record["retentionPeriod"] = "定期30年";
        record["classification"] = "内部";
        record["sharing"] = "无条件共享";
        record["archivalCode"] = "Ａ０１２－２０２３－Ｄ３０－０００７";
        record["title"] = "  关于　档案   工作的通知  ";

        using var response = await http.PostJsonAsync("api/catalogue/records", record);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetString();

        var metadata = (await http.GetJsonAsync($"api/catalogue/records/{id}")).GetProperty("metadata");
        metadata.GetProperty("date").GetString().ShouldBe("2023-05-08");
        metadata.GetProperty("retentionPeriod").GetString().ShouldBe("30y");
        metadata.GetProperty("classification").GetString().ShouldBe("internal");
        metadata.GetProperty("sharing").GetString().ShouldBe("unconditional");
        metadata.GetProperty("archivalCode").GetString().ShouldBe("A012-2023-D30-0007");
        metadata.GetProperty("title").GetString().ShouldBe("关于 档案 工作的通知");
    }

    [Fact]
    public async Task Pushing_the_same_record_again_changes_nothing_and_a_change_makes_a_new_version()
    {
        using var http = await platform.DeptA.HttpAsync();
        var record = Records.Valid();

        using var first = await http.PostJsonAsync("api/catalogue/records", record);
        first.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = (await first.ReadJsonAsync()).GetProperty("id").GetString();

        using var again = await http.PostJsonAsync("api/catalogue/records", record);
        again.StatusCode.ShouldBe(HttpStatusCode.OK);
        var unchanged = await again.ReadJsonAsync();
        unchanged.GetProperty("id").GetString().ShouldBe(id);
        unchanged.GetProperty("outcome").GetString().ShouldBe("unchanged");
        unchanged.GetProperty("version").GetInt32().ShouldBe(1);

        record["title"] = record["title"] + "（修订）";
        using var changed = await http.PostJsonAsync("api/catalogue/records", record);
        var updated = await changed.ReadJsonAsync();
        updated.GetProperty("outcome").GetString().ShouldBe("updated");
        updated.GetProperty("version").GetInt32().ShouldBe(2);

        var versions = await http.GetJsonAsync($"api/catalogue/records/{id}/versions");
        versions.GetArrayLength().ShouldBe(2);
        versions[1].GetProperty("metadata").GetProperty("title").GetString().ShouldBe((string)record["title"]!);
    }

    [Fact]
    public async Task Records_classified_secret_or_above_are_refused_with_the_reason()
    {
        using var http = await platform.DeptA.HttpAsync();
        var record = Records.Valid();
        record["classification"] = "秘密";
        using var response = await http.PostJsonAsync("api/catalogue/records", record);
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.ReadJsonAsync()).GetProperty("errors").GetProperty("classification")[0].GetString()!.ShouldContain("not accepted");
    }
}
