using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Npgsql;
using Platform.Tests.Infrastructure;
using Shouldly;
using StandardWebhooks.Diagnostics;

namespace Platform.Tests.EndToEnd;

/// <summary>Webhooks (signing, retries, order, dead letters, replay, SSRF), subscription filters and isolation, the in-app inbox and its live stream.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class NotificationTests(TwoNodePlatform platform, ITestOutputHelper output)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Standard_Webhooks_verifier_accepts_every_delivery_and_rejects_a_tampered_body()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        var (_, secret) = await SubscribeAsync(deptB, receiver, fonds);

        var ids = await PushAsync(fonds, 5);

        await Eventually.Until(() => Task.FromResult(receiver.Received.Count), n => n >= 5, Patience, "five deliveries");
        receiver.Received.Count.ShouldBe(5);
        foreach (var webhook in receiver.Received)
        {
            webhook.Verify(secret);
            using var body = JsonDocument.Parse(webhook.Body);
            body.RootElement.GetProperty("type").GetString().ShouldBe("record.published");
            ids.ShouldContain(body.RootElement.GetProperty("data").GetProperty("recordId").GetString()!);
        }
        var first = receiver.Received.First();
        Should.Throw<WebhookVerificationException>(() => first.Verify(secret, first.Body.Replace(fonds, "X999", StringComparison.Ordinal)));
        Should.Throw<WebhookVerificationException>(() => first.Verify($"whsec_{Convert.ToBase64String(RandomNumberGenerator.GetBytes(32))}"));
    }

    [Fact]
    public async Task Receiver_failing_three_times_then_succeeding_gets_exactly_one_successful_delivery_after_four_attempts()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(3);
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        var (subscription, secret) = await SubscribeAsync(deptB, receiver, fonds);

        var id = (await PushAsync(fonds, 1))[0];

        var webhook = await receiver.WaitForAsync(w => w.Body.Contains(id, StringComparison.Ordinal), Patience, "the delivery after three failures");
        webhook.Verify(secret);
        var history = await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries"),
            h => h.GetArrayLength() == 1 && h[0].GetProperty("status").GetString() == "delivered", Patience, "the delivery recorded as delivered");
        history[0].GetProperty("attempts").GetInt32().ShouldBe(4);
        history[0].GetProperty("lastStatusCode").GetInt32().ShouldBe(204);
        history[0].GetProperty("id").GetString().ShouldBe(webhook.Id);
        await Task.Delay(1500);
        receiver.Received.Count(w => w.Body.Contains(id, StringComparison.Ordinal)).ShouldBe(1);
        receiver.Requests.ShouldBe(4);
    }

    [Fact]
    public async Task Receiver_down_during_500_events_gets_all_500_in_order_once_it_is_back()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        var (subscription, secret) = await SubscribeAsync(deptB, receiver, fonds);
        await receiver.TakeDownAsync();

        var ids = await PushAsync(fonds, 500);
        var queued = await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries?limit=1000"),
            h => h.GetArrayLength() == 500, TimeSpan.FromMinutes(3), "500 deliveries queued");
        queued.EnumerateArray().Count(d => d.GetProperty("status").GetString() == "delivered").ShouldBe(0);
        await Task.Delay(3000);

        var back = Stopwatch.StartNew();
        await receiver.BringBackAsync();
        await Eventually.Until(() => Task.FromResult(receiver.Received.Count), n => n >= 500, Patience, "all 500 deliveries after the receiver came back");
        output.WriteLine($"500 deliveries drained {back.ElapsedMilliseconds} ms after the receiver came back");

        var history = await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries?limit=1000"),
            h => h.EnumerateArray().All(d => d.GetProperty("status").GetString() == "delivered"), Patience, "all recorded as delivered");
        var inQueueOrder = history.EnumerateArray().Reverse().Select(d => d.GetProperty("id").GetString()).ToList();
        var received = receiver.Received.ToList();
        received.Select(w => w.Id).ShouldBe(inQueueOrder);
        received.Select(w => JsonDocument.Parse(w.Body).RootElement.GetProperty("data").GetProperty("recordId").GetString()!)
            .Order().ShouldBe(ids.Order());
        foreach (var webhook in received) webhook.Verify(secret);
    }

    [Fact]
    public async Task Dead_letters_are_kept_and_replayed_one_by_one_and_in_bulk()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        receiver.FailNext(int.MaxValue);
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        var (subscription, _) = await SubscribeAsync(deptB, receiver, fonds);

        await PushAsync(fonds, 2);
        var dead = await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries?status=dead"),
            h => h.GetArrayLength() == 2, TimeSpan.FromMinutes(3), "both deliveries dead-lettered");
        dead[0].GetProperty("attempts").GetInt32().ShouldBe(PlatformNodeDefaults.WebhookMaxAttempts);
        dead[0].GetProperty("lastError").GetString()!.ShouldContain("500");
        receiver.Received.ShouldBeEmpty();

        receiver.FailNext(0);
        var older = dead[1].GetProperty("id").GetString()!;
        var newer = dead[0].GetProperty("id").GetString()!;

        using var deptA = await platform.DeptA.HttpAsync();
        using (var foreign = await deptA.PostAsync($"api/notify/deliveries/{older}/replay", null))
        {
            foreign.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        using (var foreignBulk = await deptA.PostAsync($"api/notify/deliveries/replay?status=dead&subscriptionId={subscription}", null))
        {
            foreignBulk.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }

        using (var replayed = await deptB.PostAsync($"api/notify/deliveries/{older}/replay", null))
        {
            replayed.StatusCode.ShouldBe(HttpStatusCode.OK, await replayed.Content.ReadAsStringAsync());
        }
        await receiver.WaitForAsync(w => w.Id == older, Patience, "the replayed delivery");
        var one = await deptB.GetJsonAsync($"api/notify/deliveries/{older}");
        one.GetProperty("status").GetString().ShouldBe("delivered");
        one.GetProperty("replays").GetInt32().ShouldBe(1);
        using (var again = await deptB.PostAsync($"api/notify/deliveries/{newer}/replay?", null))
        {
            again.StatusCode.ShouldBe(HttpStatusCode.OK);
        }
        using (var pending = await deptB.PostAsync($"api/notify/deliveries/{newer}/replay", null))
        {
            // Either still pending (409) or already delivered again (200): never a 500.
            pending.StatusCode.ShouldBeOneOf(HttpStatusCode.Conflict, HttpStatusCode.OK);
        }
        await receiver.WaitForAsync(w => w.Id == newer, Patience, "the second replayed delivery");

        receiver.FailNext(int.MaxValue);
        await PushAsync(fonds, 1);
        await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries?status=dead"),
            h => h.GetArrayLength() == 1, TimeSpan.FromMinutes(2), "a new dead letter");
        receiver.FailNext(0);
        using (var badStatus = await deptB.PostAsync($"api/notify/deliveries/replay?status=delivered", null))
        {
            badStatus.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
            (await badStatus.ReadJsonAsync()).GetProperty("errors").TryGetProperty("status", out _).ShouldBeTrue();
        }
        using var bulk = await deptB.PostAsync($"api/notify/deliveries/replay?status=dead&subscriptionId={subscription}", null);
        bulk.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await bulk.ReadJsonAsync()).GetProperty("replayed").GetInt32().ShouldBe(1);
        await Eventually.Until(() => deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}/deliveries"),
            h => h.GetArrayLength() == 3 && h.EnumerateArray().All(d => d.GetProperty("status").GetString() == "delivered"), Patience,
            "every delivery delivered after the bulk replay");
        receiver.Received.Select(w => w.Id).Distinct().Count().ShouldBe(3);
    }

    [Fact]
    public async Task Unsafe_webhook_targets_are_refused_with_a_problem_naming_the_url()
    {
        // A notification service that, unlike the test nodes, does not allow private targets (the production default).
        var vhost = await platform.Infrastructure.CreateVirtualHostAsync($"{platform.RunId}-strict");
        var strict = await platform.DeptB.StartVariantAsync("notification", "strict", vhost, new Dictionary<string, string>
        {
            ["Notification__AllowPrivateTargets"] = "false",
        });
        using var http = new HttpClient { BaseAddress = strict };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", await platform.DeptB.TokenAsync());

        string[] refused =
        [
            "http://127.0.0.1:8080/hook", "http://localhost/hook", "http://[::1]/hook", "http://10.1.2.3/hook", "http://192.168.0.10/hook",
            "http://172.16.5.4/hook", "http://169.254.169.254/latest/meta-data/", "http://[fe80::1]/hook", "http://0.0.0.0/hook",
            "ftp://example.org/hook", "file:///etc/passwd", "http://user:secret@example.org/hook", "not a url",
        ];
        foreach (var url in refused)
        {
            using var response = await http.PostJsonAsync("api/notify/subscriptions", new { channel = "webhook", eventTypes = new[] { "record.published" }, url });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, url);
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
            var problem = await response.ReadJsonAsync();
            problem.GetProperty("errors").GetProperty("url")[0].GetString()!.ShouldNotBeNullOrWhiteSpace(url);
        }
        (await http.GetJsonAsync("api/notify/subscriptions")).GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Subscriptions_and_their_deliveries_are_visible_only_to_their_department_and_secrets_are_encrypted_at_rest()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var deptB = await platform.DeptB.HttpAsync();
        var (subscription, secret) = await SubscribeAsync(deptB, receiver, NewFonds());

        var own = await deptB.GetJsonAsync($"api/notify/subscriptions/{subscription}");
        own.GetProperty("secret").ValueKind.ShouldBe(JsonValueKind.Null);
        (await deptB.GetJsonAsync("api/notify/subscriptions")).EnumerateArray().ShouldAllBe(s => s.GetProperty("secret").ValueKind == JsonValueKind.Null);

        using var deptA = await platform.DeptA.HttpAsync();
        (await deptA.GetAsync($"api/notify/subscriptions/{subscription}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.GetAsync($"api/notify/subscriptions/{subscription}/deliveries")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.DeleteAsync($"api/notify/subscriptions/{subscription}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.GetJsonAsync("api/notify/subscriptions")).EnumerateArray().ShouldNotContain(s => s.GetProperty("id").GetString() == subscription);

        await using (var connection = new NpgsqlConnection(platform.DeptB.DatabaseConnectionString("notification")))
        {
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand("SELECT secret FROM subscriptions WHERE id = @id", connection);
            command.Parameters.AddWithValue("id", Guid.Parse(subscription));
            var stored = (string)(await command.ExecuteScalarAsync())!;
            stored.ShouldStartWith("dp1:");
            stored.ShouldNotContain(secret["whsec_".Length..]);
        }

        using var auditor = await platform.DeptB.HttpAsync(platform.DeptB.AuditorClient);
        (await auditor.GetAsync("api/notify/subscriptions")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await deptB.DeleteAsync($"api/notify/subscriptions/{subscription}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await deptB.GetAsync($"api/notify/subscriptions/{subscription}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Filters_on_fonds_category_and_department_select_the_events_a_subscription_gets()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        await SubscribeAsync(deptB, receiver, fonds, categories: ["personnel"], departments: ["dept-a"]);
        await SubscribeAsync(deptB, receiver, fonds, categories: ["personnel"], departments: ["dept-c"]);

        var wanted = (await PushAsync(fonds, 1, category: "personnel"))[0];
        var otherCategory = (await PushAsync(fonds, 1, category: "administrative"))[0];
        var otherFonds = (await PushAsync(NewFonds(), 1, category: "personnel"))[0];

        await receiver.WaitForAsync(w => w.Body.Contains(wanted, StringComparison.Ordinal), Patience, "the matching event");
        await Task.Delay(2000);
        receiver.Received.Count.ShouldBe(1);
        receiver.Received.ShouldNotContain(w => w.Body.Contains(otherCategory, StringComparison.Ordinal) || w.Body.Contains(otherFonds, StringComparison.Ordinal));

        using var invalid = await deptB.PostJsonAsync("api/notify/subscriptions", new
        {
            channel = "sms", eventTypes = new[] { "record.nonsense" }, filters = new { fonds = new[] { "" } },
        });
        invalid.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await invalid.ReadJsonAsync()).GetProperty("errors");
        errors.TryGetProperty("channel", out _).ShouldBeTrue();
        errors.TryGetProperty("eventTypes", out _).ShouldBeTrue();
        errors.TryGetProperty("filters.fonds", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task Inbox_items_reach_a_stream_client_through_the_gateway_within_a_second_and_can_be_marked_read()
    {
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        using var subscribed = await deptB.PostJsonAsync("api/notify/subscriptions",
            new { channel = "inbox", eventTypes = new[] { "record.published" }, filters = new { fonds = new[] { fonds } } });
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());

        using var streamClient = await platform.DeptB.HttpAsync();
        streamClient.Timeout = Timeout.InfiniteTimeSpan;
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/notify/stream");
        using var response = await streamClient.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        await using var body = await response.Content.ReadAsStreamAsync();
        using var reader = new StreamReader(body);
        using var cancel = new CancellationTokenSource(Patience);
        (await NextEventAsync(reader, cancel.Token)).Event.ShouldBe("ready");

        var pushed = Stopwatch.StartNew();
        var title = $"关于开展档案安全检查的通知 {RandomNumberGenerator.GetHexString(6)}";
        var id = (await PushAsync(fonds, 1, title: title))[0];
        var (name, data, eventId) = await NextEventAsync(reader, cancel.Token, skip: "heartbeat");
        var arrived = DateTimeOffset.UtcNow;
        output.WriteLine($"push to stream: {pushed.ElapsedMilliseconds} ms");

        name.ShouldBe("notification");
        using var item = JsonDocument.Parse(data);
        item.RootElement.GetProperty("summary").GetString()!.ShouldContain(title);
        item.RootElement.GetProperty("event").GetProperty("data").GetProperty("recordId").GetString().ShouldBe(id);
        eventId.ShouldBe(item.RootElement.GetProperty("sequence").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        var created = item.RootElement.GetProperty("createdAt").GetDateTimeOffset();
        (arrived - created).ShouldBeLessThan(TimeSpan.FromSeconds(1));

        var itemId = item.RootElement.GetProperty("id").GetString()!;
        var unread = await deptB.GetJsonAsync("api/notify/inbox?status=unread&pageSize=200");
        unread.GetProperty("items").EnumerateArray().ShouldContain(i => i.GetProperty("id").GetString() == itemId);
        unread.GetProperty("unread").GetInt32().ShouldBeGreaterThan(0);

        using var deptA = await platform.DeptA.HttpAsync();
        (await deptA.PostAsync($"api/notify/inbox/{itemId}/read", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await deptA.GetJsonAsync("api/notify/inbox?status=all&pageSize=200")).GetProperty("items").EnumerateArray()
            .ShouldNotContain(i => i.GetProperty("id").GetString() == itemId);

        using var read = await deptB.PostAsync($"api/notify/inbox/{itemId}/read", null);
        read.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await read.ReadJsonAsync()).GetProperty("readAt").ValueKind.ShouldBe(JsonValueKind.String);
        (await deptB.GetJsonAsync("api/notify/inbox?status=unread&pageSize=200")).GetProperty("items").EnumerateArray()
            .ShouldNotContain(i => i.GetProperty("id").GetString() == itemId);
        (await deptB.GetJsonAsync("api/notify/inbox?status=read&pageSize=200")).GetProperty("items").EnumerateArray()
            .ShouldContain(i => i.GetProperty("id").GetString() == itemId);

        using var badPage = await deptB.GetAsync("api/notify/inbox?status=maybe&pageSize=0");
        badPage.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var errors = (await badPage.ReadJsonAsync()).GetProperty("errors");
        errors.TryGetProperty("status", out _).ShouldBeTrue();
        errors.TryGetProperty("pageSize", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_client_holds_at_most_five_streams_and_each_gets_a_new_item_within_a_second()
    {
        var fonds = NewFonds();
        using var deptB = await platform.DeptB.HttpAsync();
        using (var subscribed = await deptB.PostJsonAsync("api/notify/subscriptions",
            new { channel = "inbox", eventTypes = new[] { "record.published" }, filters = new { fonds = new[] { fonds } } }))
        {
            subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        }

        // A client of its own, so streams of other tests do not count against it.
        using var streamClient = await platform.DeptB.HttpAsync(platform.DeptB.RoleClients["reviewer"]);
        streamClient.Timeout = Timeout.InfiniteTimeSpan;
        using var cancel = new CancellationTokenSource(Patience);
        var streams = new List<(HttpResponseMessage Response, StreamReader Reader)>();
        try
        {
            for (var i = 0; i < 5; i++)
            {
                var response = await streamClient.GetAsync("api/notify/stream", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
                response.StatusCode.ShouldBe(HttpStatusCode.OK);
                var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancel.Token));
                streams.Add((response, reader));
                (await NextEventAsync(reader, cancel.Token)).Event.ShouldBe("ready");
            }

            using (var sixth = await streamClient.GetAsync("api/notify/stream", HttpCompletionOption.ResponseHeadersRead, cancel.Token))
            {
                sixth.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests);
                sixth.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
                sixth.Headers.RetryAfter.ShouldNotBeNull();
            }

            // Streams wait for a signal rather than polling; without it they would look again only at their 20 s heartbeat.
            var title = $"关于档案移交的通知 {RandomNumberGenerator.GetHexString(6)}";
            await PushAsync(fonds, 1, title: title);
            foreach (var (_, reader) in streams)
            {
                var (name, data, _) = await NextEventAsync(reader, cancel.Token, skip: "heartbeat");
                var arrived = DateTimeOffset.UtcNow;
                name.ShouldBe("notification");
                using var item = JsonDocument.Parse(data);
                item.RootElement.GetProperty("summary").GetString()!.ShouldContain(title);
                (arrived - item.RootElement.GetProperty("createdAt").GetDateTimeOffset()).ShouldBeLessThan(TimeSpan.FromSeconds(1));
            }

            // A closed stream gives its place back.
            streams[0].Reader.Dispose();
            streams[0].Response.Dispose();
            streams.RemoveAt(0);
            var reopened = await Eventually.Until(async () =>
            {
                var response = await streamClient.GetAsync("api/notify/stream", HttpCompletionOption.ResponseHeadersRead, cancel.Token);
                if (response.StatusCode == HttpStatusCode.OK) return response;
                response.Dispose();
                return null;
            }, response => response is not null, TimeSpan.FromSeconds(10), "a stream in the place of the closed one");
            streams.Add((reopened!, new StreamReader(await reopened!.Content.ReadAsStreamAsync(cancel.Token))));
        }
        finally
        {
            foreach (var (response, reader) in streams)
            {
                reader.Dispose();
                response.Dispose();
            }
        }
    }

    private static string NewFonds() => $"F{RandomNumberGenerator.GetHexString(6)}";

    private static async Task<(string Id, string Secret)> SubscribeAsync(
        HttpClient http, WebhookReceiver receiver, string fonds, string[]? categories = null, string[]? departments = null)
    {
        using var response = await http.PostJsonAsync("api/notify/subscriptions", new
        {
            channel = "webhook",
            eventTypes = new[] { "record.published" },
            url = receiver.Url.ToString(),
            filters = new { fonds = new[] { fonds }, categories, departments },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var created = await response.ReadJsonAsync();
        return (created.GetProperty("id").GetString()!, created.GetProperty("secret").GetString()!);
    }

    /// <summary>Pushes <paramref name="count"/> records of <paramref name="fonds"/> at dept-a (8 at a time) and returns their ids.</summary>
    private async Task<List<string>> PushAsync(string fonds, int count, string category = "administrative", string? title = null)
    {
        using var deptA = await platform.DeptA.HttpAsync();
        var ids = new string[count];
        await Parallel.ForEachAsync(Enumerable.Range(0, count), new ParallelOptions { MaxDegreeOfParallelism = 8 }, async (i, ct) =>
        {
            var record = Records.Valid(title);
            record["fondsCode"] = fonds;
            record["archivalCode"] = $"{fonds}-2023-Y-{i + 1}";
            record["category"] = category;
            using var response = await deptA.PostJsonAsync("api/catalogue/records", record);
            response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync(ct));
            ids[i] = (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
        });
        return [.. ids];
    }

    internal static async Task<(string Event, string Data, string? Id)> NextEventAsync(StreamReader reader, CancellationToken cancellationToken, string? skip = null)
    {
        while (true)
        {
            string? name = null, id = null;
            var data = new List<string>();
            while (await reader.ReadLineAsync(cancellationToken) is { } line)
            {
                if (line.Length == 0)
                {
                    break;
                }
                if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line["event: ".Length..];
                else if (line.StartsWith("data: ", StringComparison.Ordinal)) data.Add(line["data: ".Length..]);
                else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line["id: ".Length..];
            }
            if (name is null && data.Count == 0)
            {
                throw new EndOfStreamException("The event stream ended.");
            }
            if (name != skip)
            {
                return (name ?? "message", string.Join('\n', data), id);
            }
        }
    }
}
