using System.Net;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The people on both sides hear about a request through their subscriptions: the owner's reviewers about a review to
/// do, its deadline coming and passing; the requester about the overdue review, the decision and the grant expiring.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class SharingReminderTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task Reviewers_and_requesters_are_told_of_reviews_deadlines_decisions_and_expiring_grants_once_each()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await Subscribe(flow.Owner, "review.requested", "review.deadline-approaching", "review.overdue");
        await Subscribe(flow.Requester, "review.overdue", "request.decided", "grant.expiring");
        // The review is due in 4 s and the grant lasts a minute: both are inside the default one-day reminder window.
        await flow.PutRuleAsync($"remind-{flow.Fonds.ToLowerInvariant()}",
            new { sharing = "conditional", fondsCode = flow.Fonds, reviewTimeLimit = "PT4S", grantValidity = "PT1M" });
        var recordId = await flow.PublishAsync("conditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;

        var owner = await InboxAsync(flow.Owner, requestId, ["review.requested", "review.deadline-approaching", "review.overdue"]);
        owner["review.requested"].GetProperty("summary").GetString()!.ShouldContain("dept-b 申请查阅档案");
        owner["review.deadline-approaching"].GetProperty("summary").GetString()!.ShouldContain("北京时间");
        owner["review.overdue"].GetProperty("event").GetProperty("data").GetProperty("department").GetString().ShouldBe("dept-a");

        using var approve = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "同意" });
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());

        var requester = await InboxAsync(flow.Requester, requestId, ["review.overdue", "request.decided", "grant.expiring"]);
        requester["request.decided"].GetProperty("summary").GetString()!.ShouldContain("dept-a 批准了查阅申请");
        var grantId = requester["grant.expiring"].GetProperty("event").GetProperty("data").GetProperty("grantId").GetString();
        grantId.ShouldBe(await flow.GrantIdAsync(requestId));

        // Once each: the sweeps that sent them run every second and must not send them again.
        await Task.Delay(TimeSpan.FromSeconds(3), TestContext.Current.CancellationToken);
        (await ItemsAbout(flow.Owner, requestId)).Count.ShouldBe(3);
        (await ItemsAbout(flow.Requester, requestId)).Count.ShouldBe(3);
    }

    [Fact]
    public async Task Subscribing_to_an_unknown_notice_names_the_known_ones()
    {
        using var http = await platform.DeptA.HttpAsync();
        using var response = await http.PostJsonAsync("api/notify/subscriptions", new { channel = "inbox", eventTypes = new[] { "review.forgotten" } });
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await response.Content.ReadAsStringAsync()).ShouldContain("grant.expiring");
    }

    private static async Task Subscribe(HttpClient http, params string[] eventTypes)
    {
        using var response = await http.PostJsonAsync("api/notify/subscriptions", new { channel = "inbox", eventTypes });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
    }

    private static async Task<Dictionary<string, JsonElement>> InboxAsync(HttpClient http, string requestId, string[] kinds)
    {
        var items = await Eventually.Until(() => ItemsAbout(http, requestId),
            found => kinds.All(k => found.Any(i => i.GetProperty("eventType").GetString() == k)), SharingFlow.Patience,
            $"inbox items {string.Join(", ", kinds)} for request {requestId}");
        foreach (var kind in items.GroupBy(i => i.GetProperty("eventType").GetString()))
        {
            kind.Count().ShouldBe(1, $"{kind.Key} once: {string.Join("\n", kind.Select(i => i.GetRawText()))}");
        }
        return items.ToDictionary(i => i.GetProperty("eventType").GetString()!);
    }

    private static async Task<List<JsonElement>> ItemsAbout(HttpClient http, string requestId)
    {
        var page = await http.GetJsonAsync("api/notify/inbox?pageSize=200");
        return [.. page.GetProperty("items").EnumerateArray()
            .Where(i => i.GetProperty("event").GetProperty("data").TryGetProperty("requestId", out var about) && about.GetString() == requestId)];
    }
}
