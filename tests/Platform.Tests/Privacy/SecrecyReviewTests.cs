using System.Net;
using System.Text.Json;
using Platform.Contracts;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Privacy;

/// <summary>
/// Records the configuration names (on test nodes: fonds <see cref="PlatformNodeDefaults.SecrecyReviewFonds"/>) wait for a
/// secrecy review (保密审查) before other departments hear of them: released → announced, kept → never, every decision audited.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class SecrecyReviewTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_record_waits_for_review_released_is_announced_kept_never_and_each_decision_is_audited()
    {
        using var publisher = await platform.DeptA.HttpAsync();
        using var reviewer = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.SecrecyReviewer]);
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        using var deptB = await platform.DeptB.HttpAsync();
        var released = await PushAsync(publisher, PlatformNodeDefaults.SecrecyReviewFonds);
        var kept = await PushAsync(publisher, PlatformNodeDefaults.SecrecyReviewFonds);
        await NotAtDeptBAsync(publisher, released, kept);

        var queue = await reviewer.GetJsonAsync("api/catalogue/secrecy-review?pageSize=500");
        var waiting = queue.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("id").GetString()!);
        waiting.Keys.ShouldContain(released);
        waiting.Keys.ShouldContain(kept);
        waiting[released].GetProperty("ageHours").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        waiting[released].GetProperty("awaitingSince").GetDateTimeOffset().ShouldBeLessThanOrEqualTo(DateTimeOffset.UtcNow);
        queue.GetProperty("total").GetInt32().ShouldBeGreaterThanOrEqualTo(2);

        // A decision without its reason is refused, and changes nothing.
        using (var noReason = await reviewer.PostJsonAsync("api/catalogue/secrecy-review/decisions", new { records = new[] { released }, decision = "release" }))
        {
            noReason.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            noReason.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
            (await noReason.ReadJsonAsync()).GetProperty("errors").TryGetProperty("reason", out _).ShouldBeTrue();
        }
        using var pushedAtB = await deptB.PostJsonAsync("api/catalogue/records", Records.Valid());
        var foreign = (await pushedAtB.ReadJsonAsync()).GetProperty("id").GetString()!;

        var releasing = await DecideAsync(reviewer, [released, foreign], "release", "无涉密内容，同意公布");
        releasing[released].ShouldBe("released");
        releasing[foreign].ShouldBe("not-found", "another department's record is not this reviewer's");
        (await DecideAsync(reviewer, [kept], "keep", "含有内部工作秘密"))[kept].ShouldBe("kept");
        (await DecideAsync(reviewer, [released], "keep", "改变主意"))[released].ShouldBe("not-awaiting", "a decision stands");

        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [released]),
            count => count == 1, Patience, "the released record at dept-b");
        await NotAtDeptBAsync(publisher, kept);
        (await reviewer.GetJsonAsync("api/catalogue/secrecy-review?pageSize=500")).GetProperty("items").EnumerateArray()
            .ShouldNotContain(i => i.GetProperty("id").GetString() == released || i.GetProperty("id").GetString() == kept);

        foreach (var (id, outcome, reason) in new[] { (released, "released", "无涉密内容，同意公布"), (kept, "kept", "含有内部工作秘密") })
        {
            var entries = await Eventually.Until(() => auditor.GetJsonAsync($"api/audit/entries?subject={id}&action=record.secrecy-review"),
                page => page.GetProperty("items").GetArrayLength() == 1, Patience, $"the {outcome} decision audited");
            var entry = entries.GetProperty("items")[0];
            entry.GetProperty("outcome").GetString().ShouldBe(outcome);
            entry.GetProperty("actor").GetString().ShouldBe(platform.DeptA.RoleClients[Roles.SecrecyReviewer].Id);
            var details = entry.GetProperty("details");
            using var parsed = JsonDocument.Parse(details.ValueKind == JsonValueKind.String ? details.GetString()! : details.GetRawText());
            parsed.RootElement.GetProperty("reason").GetString().ShouldBe(reason);
            parsed.RootElement.GetProperty("waitedSeconds").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
        }
        var kpis = await auditor.GetJsonAsync($"api/audit/kpis?from={DateTimeOffset.UtcNow.AddDays(-1):yyyy-MM-ddTHH:mm:ssZ}&to={DateTimeOffset.UtcNow.AddDays(1):yyyy-MM-ddTHH:mm:ssZ}");
        var own = kpis.GetProperty("departments").EnumerateArray().Single(d => d.GetProperty("department").GetString() == "dept-a");
        own.GetProperty("secrecyReviews").GetInt64().ShouldBeGreaterThanOrEqualTo(2);
        own.GetProperty("medianSecrecyReviewHours").GetDouble().ShouldBeGreaterThanOrEqualTo(0);
    }

    private static async Task<string> PushAsync(HttpClient http, string fonds)
    {
        var record = Records.Valid();
        record["fondsCode"] = fonds;
        using var response = await http.PostJsonAsync("api/catalogue/records", record);
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>Pushes a record every department may see and waits for it at dept-b: then dept-b has heard all that came before.</summary>
    private async Task NotAtDeptBAsync(HttpClient publisher, params string[] ids)
    {
        var marker = await PushAsync(publisher, "A012");
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [marker]),
            count => count == 1, Patience, "a later record at dept-b");
        (await platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", ids)).ShouldBe(0);
    }

    private static async Task<Dictionary<string, string>> DecideAsync(HttpClient reviewer, string[] records, string decision, string reason)
    {
        using var response = await reviewer.PostJsonAsync("api/catalogue/secrecy-review/decisions", new { records, decision, reason });
        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("id").GetString()!, r => r.GetProperty("status").GetString()!);
    }
}
