using System.Net;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// dept-b asks dept-a for a whole selection of records at once (bulk request) or subscribes to a selection, across two
/// real nodes: each record is decided by dept-a's policy, and granted content is fetched from dept-a's gateway.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class BulkSharingTests(TwoNodePlatform platform)
{
    private const string PersonalDetails = "经办人张三，身份证号110101199003071234，联系电话13812345678。";

    [Fact]
    public async Task Bulk_request_gets_an_outcome_per_matching_record_and_granted_content_is_fetched_masked()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"bulk-masks-{flow.Fonds.ToLowerInvariant()}", new
        {
            sharing = "unconditional", fondsCode = flow.Fonds,
            masks = new Dictionary<string, string> { ["description"] = "id-card,phone" },
        });
        var open = await flow.PublishAsync("unconditional", Personnel(2023, PersonalDetails));
        var conditional = await flow.PublishAsync("conditional", Personnel(2023));
        var closed = await flow.PublishAsync("unconditional", Personnel(2023));
        await flow.PutRuleAsync($"bulk-closed-{flow.Fonds.ToLowerInvariant()}", new { sharing = "none", recordId = closed });
        await flow.PublishAsync("unconditional", Personnel(2022));
        await flow.PublishAsync("unconditional", r => r["category"] = "administrative");

        var bulk = await SubmitBulkAsync(flow, new { ownerDepartment = "dept-a", fondsCode = flow.Fonds, category = "personnel", year = 2023, purpose = "2023年度人事档案核查 audit" });
        var decided = await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{bulk}"),
            b => b.GetProperty("status").GetString() == "accepted" && Outcome(b, "submitted") == 0 && Outcome(b, "approved") == 1 && Outcome(b, "pending-review") == 1
                && Records(b).Any(r => r.GetProperty("grant").ValueKind == JsonValueKind.Object),
            SharingFlow.Patience, "dept-b seeing every record of the bulk request decided and the grant arrived");
        decided.GetProperty("matched").GetInt32().ShouldBe(3);
        var records = Records(decided).ToDictionary(r => r.GetProperty("recordId").GetString()!);
        records.Keys.Order().ShouldBe(new[] { open, conditional, closed }.Order());
        records[conditional].GetProperty("status").GetString().ShouldBe("pending-review");
        records[conditional].GetProperty("reviewDeadline").ValueKind.ShouldBe(JsonValueKind.String);
        records[closed].GetProperty("status").GetString().ShouldBe("rejected");
        records[closed].GetProperty("reason").GetString()!.ShouldContain("不予共享");
        records[closed].GetProperty("grant").ValueKind.ShouldBe(JsonValueKind.Null);
        var granted = records[open];
        granted.GetProperty("status").GetString().ShouldBe("approved");
        var grantId = granted.GetProperty("grant").GetProperty("id").GetString()!;

        var (status, content) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.GetProperty("recordId").GetString().ShouldBe(open);
        content.GetProperty("record").GetProperty("description").GetString().ShouldBe("经办人张三，身份证号110101********1234，联系电话138****5678。");

        // Each record is an ordinary access request too, and the owner sees the same bulk request with the same outcomes.
        (await flow.Requester.GetJsonAsync($"api/sharing/requests/{granted.GetProperty("requestId").GetString()}")).GetProperty("status").GetString().ShouldBe("approved");
        var incoming = await Eventually.Until(() => flow.Owner.GetJsonAsync($"api/sharing/bulk-requests/{bulk}"),
            b => Outcome(b, "approved") == 1 && Outcome(b, "pending-review") == 1 && Outcome(b, "rejected") == 1, SharingFlow.Patience, "dept-a's view of the bulk request");
        incoming.GetProperty("role").GetString().ShouldBe("incoming");
        incoming.GetProperty("requesterDepartment").GetString().ShouldBe("dept-b");

        // Paged and filtered.
        var first = await flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{bulk}?pageSize=2");
        first.GetProperty("records").GetProperty("total").GetInt32().ShouldBe(3);
        Records(first).Count.ShouldBe(2);
        var second = await flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{bulk}?pageSize=2&page=2");
        Records(second).Single().GetProperty("recordId").GetString().ShouldNotBeOneOf([.. Records(first).Select(r => r.GetProperty("recordId").GetString())]);
        var approvedOnly = await flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{bulk}?status=approved");
        Records(approvedOnly).Single().GetProperty("recordId").GetString().ShouldBe(open);
        var listed = await flow.Requester.GetJsonAsync("api/sharing/bulk-requests?role=outgoing");
        listed.EnumerateArray().ShouldContain(b => b.GetProperty("id").GetString() == bulk);
    }

    [Fact]
    public async Task Bulk_request_for_more_records_than_the_limit_is_refused_as_a_whole_and_an_empty_selection_says_so()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var records = Enumerable.Range(0, 21).Select(_ =>
        {
            var record = EndToEnd.Records.Valid();
            record["fondsCode"] = flow.Fonds;
            return record;
        }).ToList();
        using (var pushed = await flow.Owner.PostJsonAsync("api/catalogue/records/batch", new { records }))
        {
            pushed.StatusCode.ShouldBe(HttpStatusCode.OK, await pushed.Content.ReadAsStringAsync());
        }
        await Eventually.Until(() => flow.Owner.GetJsonAsync("api/sharing/records"),
            known => known.EnumerateArray().Count(r => r.GetProperty("fondsCode").GetString() == flow.Fonds) == 21, SharingFlow.Patience, "dept-a's sharing policy knowing the 21 records");

        var tooBroad = await SubmitBulkAsync(flow, new { ownerDepartment = "dept-a", fondsCode = flow.Fonds, purpose = "全宗核查 audit" });
        var refused = await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{tooBroad}"),
            b => b.GetProperty("status").GetString() == "rejected", SharingFlow.Patience, "dept-b seeing the bulk request refused");
        refused.GetProperty("matched").GetInt32().ShouldBe(21);
        refused.GetProperty("reason").GetString()!.ShouldContain("at most 20");
        refused.GetProperty("records").GetProperty("total").GetInt32().ShouldBe(0);

        var empty = await SubmitBulkAsync(flow, new { ownerDepartment = "dept-a", fondsCode = flow.Fonds, year = 1999, purpose = "全宗核查 audit" });
        var none = await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/bulk-requests/{empty}"),
            b => b.GetProperty("status").GetString() == "accepted", SharingFlow.Patience, "dept-b seeing the empty bulk request answered");
        none.GetProperty("matched").GetInt32().ShouldBe(0);
        none.GetProperty("reason").GetString()!.ShouldContain("No announced record");
    }

    [Fact]
    public async Task Subscription_grants_newly_published_unconditional_records_only_and_stops_when_cancelled()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        string inbox;
        using (var subscribed = await flow.Requester.PostJsonAsync("api/notify/subscriptions", new { channel = "inbox", eventTypes = new[] { "request.decided" } }))
        {
            subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
            inbox = (await subscribed.ReadJsonAsync()).GetProperty("id").GetString()!;
        }
        try
        {
            await SubscriptionFlowAsync(flow);
        }
        finally
        {
            // dept-b is shared by every test: another inbox subscription to the same kind would show other tests' notices twice.
            (await flow.Requester.DeleteAsync($"api/notify/subscriptions/{inbox}")).IsSuccessStatusCode.ShouldBeTrue();
        }
    }

    private static async Task SubscriptionFlowAsync(SharingFlow flow)
    {
        await flow.PutRuleAsync($"sub-masks-{flow.Fonds.ToLowerInvariant()}", new
        {
            sharing = "unconditional", fondsCode = flow.Fonds, masks = new Dictionary<string, string> { ["creator"] = "name" },
        });
        var cancelled = await SubscribeAsync(flow);
        var sentinel = await SubscribeAsync(flow);

        // Published in this order on one queue: once the matching record is delivered, the two before it were considered.
        await flow.PublishAsync("unconditional", r => r["category"] = "administrative");
        var conditional = await flow.PublishAsync("conditional", Personnel(2023));
        var matching = await flow.PublishAsync("unconditional", r => { Personnel(2024)(r); r["creator"] = "张三"; });

        var delivered = await DeliveredAsync(flow, cancelled, 1);
        var record = Records(delivered).Single();
        record.GetProperty("recordId").GetString().ShouldBe(matching);
        record.GetProperty("recordId").GetString().ShouldNotBe(conditional);
        var grantId = (await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/subscriptions/{cancelled}"),
            s => Records(s).Single().GetProperty("grant").ValueKind == JsonValueKind.Object, SharingFlow.Patience, "the subscription's grant at dept-b"))
            .GetProperty("records").GetProperty("items")[0].GetProperty("grant").GetProperty("id").GetString()!;
        var (status, content) = await flow.FetchAsync(grantId);
        status.ShouldBe(HttpStatusCode.OK, content.ToString());
        content.GetProperty("record").GetProperty("creator").GetString().ShouldBe("张*");

        // The subscriber is told (request.decided, with the grant) through its notification service.
        var requestId = record.GetProperty("requestId").GetString()!;
        var notice = await Eventually.Until(async () =>
            {
                var page = await flow.Requester.GetJsonAsync("api/notify/inbox?pageSize=200");
                return page.GetProperty("items").EnumerateArray().FirstOrDefault(i =>
                    i.GetProperty("event").GetProperty("data").TryGetProperty("requestId", out var about) && about.GetString() == requestId);
            }, i => i.ValueKind == JsonValueKind.Object, SharingFlow.Patience, "the request.decided notice at dept-b");
        notice.GetProperty("eventType").GetString().ShouldBe("request.decided");
        notice.GetProperty("event").GetProperty("data").GetProperty("grantId").GetString().ShouldBe(grantId);

        // The owner lists the subscriptions to its records.
        var incoming = await flow.Owner.GetJsonAsync("api/sharing/subscriptions?role=incoming");
        incoming.EnumerateArray().Single(s => s.GetProperty("id").GetString() == cancelled).GetProperty("subscriberDepartment").GetString().ShouldBe("dept-b");

        using (var cancel = await flow.Requester.DeleteAsync($"api/sharing/subscriptions/{cancelled}"))
        {
            cancel.StatusCode.ShouldBe(HttpStatusCode.OK, await cancel.Content.ReadAsStringAsync());
            (await cancel.ReadJsonAsync()).GetProperty("status").GetString().ShouldBe("cancelled");
        }
        await Eventually.Until(() => flow.Owner.GetJsonAsync($"api/sharing/subscriptions/{cancelled}"),
            s => s.GetProperty("status").GetString() == "cancelled", SharingFlow.Patience, "dept-a seeing the subscription cancelled");
        using (var again = await flow.Requester.DeleteAsync($"api/sharing/subscriptions/{cancelled}"))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.Conflict);
        }

        var later = await flow.PublishAsync("unconditional", Personnel(2025));
        var sentinelSaw = await DeliveredAsync(flow, sentinel, 2);
        Records(sentinelSaw).Select(r => r.GetProperty("recordId").GetString()).Order().ShouldBe(new[] { matching, later }.Order());
        (await flow.Requester.GetJsonAsync($"api/sharing/subscriptions/{cancelled}")).GetProperty("delivered").GetInt32().ShouldBe(1);
        (await flow.Owner.GetJsonAsync($"api/sharing/subscriptions/{cancelled}")).GetProperty("delivered").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task Bad_selections_get_problem_details_and_other_departments_ids_are_refused()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        foreach (var path in new[] { "api/sharing/bulk-requests", "api/sharing/subscriptions" })
        {
            using var bad = await flow.Requester.PostJsonAsync(path, new { ownerDepartment = "dept-b", year = 20230, fields = new[] { "salary" } });
            bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            var errors = (await bad.ReadJsonAsync()).GetProperty("errors");
            foreach (var field in new[] { "ownerDepartment", "fondsCode", "year", "purpose", "fields" })
            {
                errors.TryGetProperty(field, out _).ShouldBeTrue($"{path}: {field} in {errors}");
            }
            using var unknown = await flow.Requester.PostJsonAsync(path, new { ownerDepartment = "dept-zz", category = "personnel", purpose = "audit" });
            (await unknown.ReadJsonAsync()).GetProperty("errors").GetProperty("ownerDepartment")[0].GetString()!.ShouldContain("node directory");
            (await flow.Requester.GetAsync($"{path}/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        // dept-b's subscription is dept-b's to cancel: dept-a sees it (incoming) but cannot cancel it, and dept-a's ids are unknown at dept-b.
        var subscription = await SubscribeAsync(flow);
        await Eventually.Until(async () => (await flow.Owner.GetAsync($"api/sharing/subscriptions/{subscription}")).StatusCode,
            s => s == HttpStatusCode.OK, SharingFlow.Patience, "dept-a receiving the subscription");
        using (var foreign = await flow.Owner.DeleteAsync($"api/sharing/subscriptions/{subscription}"))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        }
        using var own = await flow.Owner.PostJsonAsync("api/sharing/subscriptions", new { ownerDepartment = "dept-b", category = "personnel", purpose = "audit" });
        own.StatusCode.ShouldBe(HttpStatusCode.Created, await own.Content.ReadAsStringAsync());
        var deptAs = (await own.ReadJsonAsync()).GetProperty("id").GetString();
        await Eventually.Until(async () => (await flow.Requester.GetAsync($"api/sharing/subscriptions/{deptAs}")).StatusCode,
            s => s == HttpStatusCode.OK, SharingFlow.Patience, "dept-b receiving dept-a's subscription");
        (await flow.Requester.DeleteAsync($"api/sharing/subscriptions/{deptAs}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await flow.Owner.DeleteAsync($"api/sharing/subscriptions/{deptAs}")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private static Action<Dictionary<string, object?>> Personnel(int year, string? description = null) => r =>
    {
        r["category"] = "personnel";
        r["date"] = $"{year}-05-08";
        if (description is not null) r["description"] = description;
    };

    private static async Task<string> SubmitBulkAsync(SharingFlow flow, object body)
    {
        using var response = await flow.Requester.PostJsonAsync("api/sharing/bulk-requests", body);
        response.StatusCode.ShouldBe(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        var bulk = await response.ReadJsonAsync();
        bulk.GetProperty("status").GetString().ShouldBe("submitted");
        return bulk.GetProperty("id").GetString()!;
    }

    /// <summary>dept-b subscribes to this test's personnel records at dept-a; returns once dept-a has the subscription.</summary>
    private static async Task<string> SubscribeAsync(SharingFlow flow)
    {
        using var response = await flow.Requester.PostJsonAsync("api/sharing/subscriptions",
            new { ownerDepartment = "dept-a", fondsCode = flow.Fonds, category = "personnel", purpose = "人事档案同步 audit" });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
        await Eventually.Until(() => flow.Owner.GetJsonAsync("api/sharing/subscriptions?role=incoming"),
            all => all.EnumerateArray().Any(s => s.GetProperty("id").GetString() == id), SharingFlow.Patience, "dept-a receiving the subscription");
        return id;
    }

    private static Task<JsonElement> DeliveredAsync(SharingFlow flow, string subscription, int count) =>
        Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/subscriptions/{subscription}"),
            s => s.GetProperty("delivered").GetInt32() >= count && Records(s).Count(r => r.GetProperty("status").GetString() == "approved") >= count,
            SharingFlow.Patience, $"{count} record(s) granted under subscription {subscription}");

    private static List<JsonElement> Records(JsonElement view) =>
        view.GetProperty("records").ValueKind == JsonValueKind.Object ? [.. view.GetProperty("records").GetProperty("items").EnumerateArray()] : [];

    private static int Outcome(JsonElement bulk, string status) =>
        bulk.GetProperty("outcomes").TryGetProperty(status, out var count) ? count.GetInt32() : 0;
}
