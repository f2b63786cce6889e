using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Npgsql;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Privacy;

/// <summary>
/// What another department learns of dept-a's records is the view dept-a's policy allows, masked at dept-a: no raw value
/// reaches dept-b's API, search, databases, webhooks, inbox or the messages on the exchange; restricted records reach only
/// the departments a rule names; and a rule change replaces, or withdraws, what peers already hold.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AnnouncementPrivacyTests(TwoNodePlatform platform)
{
    private const string IdCard = "110101199003071234";
    private const string Mobile = "13912345678";
    private const string Landline = "010-62345678";
    private const string Name = "欧阳知秋";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_peer_never_holds_personal_data_the_owner_masks_and_a_stricter_rule_replaces_what_it_held()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await using var receiver = await WebhookReceiver.StartAsync();
        using (var subscribed = await flow.Requester.PostJsonAsync("api/notify/subscriptions",
                   new { channel = "webhook", eventTypes = new[] { "record.published", "record.updated" }, url = receiver.Url.ToString() }))
        {
            subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        }
        using (var inbox = await flow.Requester.PostJsonAsync("api/notify/subscriptions", new { channel = "inbox", eventTypes = new[] { "record.published", "record.updated" } }))
        {
            inbox.StatusCode.ShouldBe(HttpStatusCode.Created, await inbox.Content.ReadAsStringAsync());
        }
        var taps = await TapsAsync("dept-b");
        // dept-b's console listens to its inbox stream (server-sent events) from before the push.
        using var streamClient = await platform.DeptB.HttpAsync();
        streamClient.Timeout = Timeout.InfiniteTimeSpan;
        using var streamResponse = await streamClient.GetAsync("api/notify/stream", HttpCompletionOption.ResponseHeadersRead);
        streamResponse.StatusCode.ShouldBe(HttpStatusCode.OK);
        using var stream = new StreamReader(await streamResponse.Content.ReadAsStreamAsync());
        (await NotificationTests.NextEventAsync(stream, TestContext.Current.CancellationToken)).Event.ShouldBe("ready");

        // The rule shows the creator's name and the description, masked only for the personal data every announcement masks.
        var rule = $"personnel-{flow.Fonds.ToLowerInvariant()}";
        string[] fields = ["fondsCode", "archivalCode", "title", "creator", "date", "retentionPeriod", "classification", "category", "keywords", "description", "sharing"];
        await flow.PutRuleAsync(rule, new { sharing = "conditional", fondsCode = flow.Fonds, category = "personnel", catalogueFields = fields });
        var id = await flow.PublishAsync("conditional", r =>
        {
            r["category"] = "personnel";
            r["creator"] = Name;
            r["title"] = $"人事档案（身份证 {IdCard}，手机 {Mobile}）";
            r["description"] = $"联系电话 {Mobile}，办公电话 {Landline}，身份证号 {IdCard}";
            r["keywords"] = new[] { "人事", Mobile };
        });

        var seen = await FederatedAsync(flow, id, r => r.GetProperty("metadata").GetProperty("creator").GetString() == Name, "the record at dept-b");
        var metadata = seen.GetProperty("metadata");
        metadata.GetProperty("title").GetString().ShouldBe("人事档案（身份证 110101********1234，手机 139****5678）");
        metadata.GetProperty("description").GetString().ShouldBe("联系电话 139****5678，办公电话 010-****5678，身份证号 110101********1234");
        metadata.GetProperty("keywords").EnumerateArray().Select(k => k.GetString()).ShouldBe(["人事", "139****5678"]);
        metadata.GetProperty("externalId").GetString().ShouldBeEmpty("the department system's own id is not announced");
        seen.GetProperty("announcedFields").EnumerateArray().Select(f => f.GetString()).ShouldBe(fields);
        await receiver.WaitForAsync(w => w.Body.Contains(id, StringComparison.Ordinal), Patience, "dept-b's webhook for the record");
        await InboxAsync(flow, id);

        var streamed = await StreamedAsync(stream, id);

        string[] numbers = [IdCard, Mobile, Landline, "62345678"];
        await NowhereAtDeptBAsync(numbers, taps, receiver, flow, streamed);
        foreach (var number in numbers) await NotFoundBySearchAsync(flow, number);

        // The owner masks the creator's name from now on: dept-b's copy, its search tokens and its stored events are replaced.
        await flow.PutRuleAsync(rule, new { sharing = "conditional", fondsCode = flow.Fonds, category = "personnel", catalogueFields = fields,
            catalogueMasks = new Dictionary<string, string> { ["creator"] = "name" } });
        await FederatedAsync(flow, id, r => r.GetProperty("metadata").GetProperty("creator").GetString() == "欧***", "the masked name at dept-b");
        var progress = await Eventually.Until(() => flow.Owner.GetJsonAsync($"api/sharing/rules/{rule}/reannouncement"),
            p => p.GetProperty("waiting").GetInt32() == 0 && p.GetProperty("ruleVersion").GetInt32() == 2, Patience, "the re-announcement finished");
        progress.GetProperty("records").GetInt32().ShouldBe(1);
        progress.GetProperty("finishedAt").ValueKind.ShouldBe(JsonValueKind.String);
        await InboxAsync(flow, id, i => i.GetProperty("eventType").GetString() == "record.updated"
            && i.GetProperty("event").GetProperty("data").GetProperty("metadata").GetProperty("creator").GetString() == "欧***");
        var update = await receiver.WaitForAsync(w => w.Body.Contains(id, StringComparison.Ordinal) && w.Body.Contains("record.updated", StringComparison.Ordinal),
            Patience, "dept-b's webhook for the new view");
        update.Body.ShouldNotContain(JsonSerializer.Serialize(Name)[1..^1]);
        update.Body.ShouldNotContain(Name);

        // Webhooks delivered while the rule showed the name stay delivered; nothing stored at dept-b holds it any more. (dept-b's
        // own searches above are in its audit log, masked for ID-card and mobile numbers only: the name is checked here.)
        var restreamed = await StreamedAsync(stream, id, "record.updated");
        await NowhereAtDeptBAsync([Name, IdCard, Mobile], taps, receiver: null, flow, restreamed);
        await NotFoundBySearchAsync(flow, Name);
    }

    [Fact]
    public async Task A_record_restricted_to_dept_b_never_reaches_dept_c_and_leaves_dept_b_when_it_becomes_not_shared()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var tapsAtC = await TapsAsync("dept-c");
        var rule = $"only-b-{flow.Fonds.ToLowerInvariant()}";
        await flow.PutRuleAsync(rule, new { sharing = "unconditional", fondsCode = flow.Fonds, allowedDepartments = new[] { "dept-b" } });
        var restricted = await flow.PublishAsync("unconditional");
        var title = (await flow.Owner.GetJsonAsync($"api/catalogue/records/{restricted}")).GetProperty("metadata").GetProperty("title").GetString()!;
        await FederatedAsync(flow, restricted, _ => true, "the restricted record at dept-b");

        // A record every department may see, pushed after it: once dept-c holds this one, it has heard everything before it.
        using var deptA = await platform.DeptA.HttpAsync();
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid());
        var open = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;
        await Eventually.Until(() => platform.DeptC.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", [open]),
            count => count == 1, Patience, "the unrestricted record at dept-c");
        foreach (var process in new[] { "catalogue", "sharing", "audit", "notification" })
        {
            (await DumpAsync(platform.DeptC, process)).ShouldNotContain(restricted, customMessage: $"dept-c's {process} database");
        }
        foreach (var (vhost, queue) in tapsAtC)
        {
            (await platform.Infrastructure.TakeAsync(vhost, queue)).ShouldNotContain(body => body.Contains(restricted, StringComparison.Ordinal));
        }

        // Not shared any more: gone from dept-b's catalogue and search within seconds.
        var watch = Stopwatch.StartNew();
        await flow.PutRuleAsync(rule, new { sharing = "none", fondsCode = flow.Fonds, allowedDepartments = new[] { "dept-b" } });
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue",
                "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids) AND NOT withdrawn", [restricted]),
            count => count == 0, TimeSpan.FromSeconds(10), "the record withdrawn at dept-b");
        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        var search = await flow.Requester.GetJsonAsync($"api/catalogue/federated?department=dept-a&q={Uri.EscapeDataString(title)}");
        search.GetProperty("items").EnumerateArray().ShouldNotContain(i => i.GetProperty("id").GetString() == restricted);
        (await DumpAsync(platform.DeptB, "catalogue")).ShouldNotContain(title, customMessage: "dept-b keeps nothing of a withdrawn record");
    }

    /// <summary>Queues of the test's own on <paramref name="department"/>'s vhost, for its broadcasts and its directed messages, and on the hub.</summary>
    private async Task<List<(string VirtualHost, string Queue)>> TapsAsync(string department)
    {
        var vhost = platform.VirtualHostOf(department);
        return
        [
            (vhost, await platform.Infrastructure.TapAsync(vhost, "broadcast.record-announcement-batch")),
            (vhost, await platform.Infrastructure.TapAsync(vhost, "directed", $"{department}.#")),
            (platform.HubVirtualHost, await platform.Infrastructure.TapAsync(platform.HubVirtualHost, "broadcast.record-announcement-batch")),
        ];
    }

    private static Task<JsonElement> FederatedAsync(SharingFlow flow, string id, Func<JsonElement, bool> done, string what) =>
        Eventually.Until(async () => (await flow.Requester.GetJsonAsync($"api/catalogue/federated?department=dept-a&pageSize=500"))
                .GetProperty("items").EnumerateArray().FirstOrDefault(i => i.GetProperty("id").GetString() == id),
            item => item.ValueKind == JsonValueKind.Object && done(item), Patience, what);

    private static Task<JsonElement> InboxAsync(SharingFlow flow, string id, Func<JsonElement, bool>? done = null) =>
        Eventually.Until(async () => (await flow.Requester.GetJsonAsync("api/notify/inbox?pageSize=200")).GetProperty("items").EnumerateArray()
                .FirstOrDefault(i => i.GetRawText().Contains(id, StringComparison.Ordinal) && (done is null || done(i))),
            item => item.ValueKind == JsonValueKind.Object, Patience, "the record in dept-b's inbox");

    private static async Task NotFoundBySearchAsync(SharingFlow flow, string value)
    {
        var found = await flow.Requester.GetJsonAsync($"api/catalogue/federated?q={Uri.EscapeDataString(value)}");
        found.GetProperty("total").GetInt32().ShouldBe(0, $"searching dept-b's federated catalogue for '{value}'");
    }

    /// <summary>The data of the next inbox stream event about <paramref name="recordId"/> (of <paramref name="eventType"/>, if given).</summary>
    private static async Task<string> StreamedAsync(StreamReader stream, string recordId, string? eventType = null)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        cancel.CancelAfter(Patience);
        while (true)
        {
            var (name, data, _) = await NotificationTests.NextEventAsync(stream, cancel.Token, skip: "heartbeat");
            if (name == "notification" && data.Contains(recordId, StringComparison.Ordinal) && (eventType is null || data.Contains(eventType, StringComparison.Ordinal)))
            {
                return data;
            }
        }
    }

    /// <summary>None of <paramref name="values"/> (as text, or escaped inside JSON) in any dept-b database, tap, webhook, stream event or inbox page.</summary>
    private async Task NowhereAtDeptBAsync(string[] values, List<(string VirtualHost, string Queue)> taps, WebhookReceiver? receiver, SharingFlow flow,
        string streamed)
    {
        var places = new List<(string Where, string Text)> { ("dept-b's inbox stream", streamed) };
        foreach (var (process, _, _) in PlatformNode.Processes)
        {
            places.Add(($"pg_dump of dept-b's {process} database", await DumpAsync(platform.DeptB, process)));
        }
        foreach (var (vhost, queue) in taps)
        {
            places.AddRange((await platform.Infrastructure.TakeAsync(vhost, queue)).Select(body => ($"a message on {vhost}", body)));
        }
        if (receiver is not null) places.AddRange(receiver.Received.Select(w => ("a webhook delivery", w.Body)));
        places.Add(("dept-b's inbox", (await flow.Requester.GetJsonAsync("api/notify/inbox?pageSize=200")).GetRawText()));
        places.Add(("dept-b's federated catalogue", (await flow.Requester.GetJsonAsync("api/catalogue/federated?department=dept-a&pageSize=500")).GetRawText()));
        foreach (var value in values)
        {
            var escaped = JsonSerializer.Serialize(value)[1..^1];
            foreach (var (where, text) in places)
            {
                text.ShouldNotContain(value, customMessage: where);
                text.ShouldNotContain(escaped, customMessage: where);
            }
        }
    }

    private static async Task<string> DumpAsync(PlatformNode node, string process)
    {
        var connection = new NpgsqlConnectionStringBuilder(node.DatabaseConnectionString(process));
        var start = new ProcessStartInfo("/usr/lib/postgresql/15/bin/pg_dump")
        {
            ArgumentList = { "--data-only", "--host", connection.Host!, "--port", connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
                "--username", connection.Username!, connection.Database! },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        if (connection.Password is { Length: > 0 } password) start.Environment["PGPASSWORD"] = password;
        using var dump = Process.Start(start)!;
        var output = dump.StandardOutput.ReadToEndAsync();
        var errors = dump.StandardError.ReadToEndAsync();
        await dump.WaitForExitAsync();
        dump.ExitCode.ShouldBe(0, await errors);
        return await output;
    }
}
