using System.Net;
using System.Text.Json;
using Platform.Tests.Infrastructure;
using Shouldly;
using StandardWebhooks.Diagnostics;

namespace Platform.Tests.EndToEnd;

/// <summary>One record from a departmental system of dept-a all the way to a webhook at dept-b.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class WalkingSkeletonTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Record_pushed_at_dept_a_is_stored_audited_federated_at_dept_b_and_announced_by_webhook()
    {
        await using var receiver = await WebhookReceiver.StartAsync();
        using var deptB = await platform.DeptB.HttpAsync();
        using var subscribed = await deptB.PostJsonAsync("api/notify/subscriptions",
            new { channel = "webhook", eventTypes = new[] { "record.published" }, url = receiver.Url.ToString() });
        subscribed.StatusCode.ShouldBe(HttpStatusCode.Created, await subscribed.Content.ReadAsStringAsync());
        var secret = (await subscribed.ReadJsonAsync()).GetProperty("secret").GetString()!;
        secret.ShouldStartWith("whsec_");

        using var deptA = await platform.DeptA.HttpAsync();
        var record = Records.Valid();
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", record);
        pushed.StatusCode.ShouldBe(HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;

        var stored = await deptA.GetJsonAsync($"api/catalogue/records/{id}");
        stored.GetProperty("department").GetString().ShouldBe("dept-a");
        stored.GetProperty("metadata").GetProperty("title").GetString().ShouldBe((string)record["title"]!);

        var audited = await Eventually.Until(
            () => deptA.GetJsonAsync($"api/audit/entries?subject={id}&action=record.published"),
            page => page.GetProperty("items").GetArrayLength() > 0, Patience, "dept-a's audit entry");
        audited.GetProperty("items").GetArrayLength().ShouldBe(1);
        audited.GetProperty("items")[0].GetProperty("department").GetString().ShouldBe("dept-a");
        (await deptA.GetJsonAsync("api/audit/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();

        var federated = await Eventually.Until(
            () => deptB.GetJsonAsync($"api/catalogue/federated?department=dept-a&q={Uri.EscapeDataString((string)record["title"]!)}"),
            page => page.GetProperty("total").GetInt32() > 0, Patience, "the record in dept-b's federated catalogue");
        var entry = federated.GetProperty("items")[0];
        entry.GetProperty("id").GetString().ShouldBe(id);
        entry.GetProperty("metadata").GetProperty("archivalCode").GetString().ShouldBe((string)record["archivalCode"]!);

        var webhook = await receiver.WaitForAsync(w => w.Body.Contains(id, StringComparison.Ordinal), Patience, "the webhook at dept-b's receiver");
        webhook.Verify(secret);
        using var body = JsonDocument.Parse(webhook.Body);
        body.RootElement.GetProperty("type").GetString().ShouldBe("record.published");
        body.RootElement.GetProperty("data").GetProperty("recordId").GetString().ShouldBe(id);
        Should.Throw<WebhookVerificationException>(() => webhook.Verify(secret, webhook.Body.Replace("dept-a", "dept-x", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task A_department_cannot_read_another_departments_record_through_its_own_api()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString();

        using var deptB = await platform.DeptB.HttpAsync();
        using var response = await deptB.GetAsync($"api/catalogue/records/{id}");
        response.StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }
}
