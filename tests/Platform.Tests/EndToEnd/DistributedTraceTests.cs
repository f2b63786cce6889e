using System.Net;
using System.Security.Cryptography;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// One trace spans a request from dept-b's gateway across the exchange to dept-a's services: the W3C trace context a
/// client sends travels through dept-b's gateway, sharing service and outbox, the broker, dept-a's sharing consumer and
/// outbox, to dept-a's audit, whose entries record the trace id they were written under (the decision included).
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class DistributedTraceTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task A_request_sent_at_dept_b_is_traced_to_dept_a_and_its_decision()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        var traceId = RandomNumberGenerator.GetHexString(32, true);

        // dept-b's system starts the trace (as an instrumented client would) and sends the request.
        var requestId = await Eventually.Until(async () =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "api/sharing/requests")
            {
                Content = SharingFlow.JsonContent(new { recordId, purpose = "链路追踪 trace test" }),
            };
            message.Headers.Add("traceparent", $"00-{traceId}-{RandomNumberGenerator.GetHexString(16, true)}-01");
            using var response = await flow.Requester.SendAsync(message);
            return response.StatusCode == HttpStatusCode.Accepted ? (await response.ReadJsonAsync()).GetProperty("id").GetString() : null;
        }, id => id is not null, SharingFlow.Patience, "dept-b accepting the traced request");

        using var auditorA = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var atOwner = await Eventually.Until(() => auditorA.GetJsonAsync($"api/audit/entries?traceId={traceId}"),
            page => Actions(page).Contains("request.approved"), SharingFlow.Patience, "dept-a's audit entries of the trace");
        Actions(atOwner).ShouldContain("request.submitted");
        atOwner.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString()!.StartsWith("request.", StringComparison.Ordinal))
            .ShouldAllBe(e => e.GetProperty("subject").GetString() == requestId);
    }

    private static List<string> Actions(System.Text.Json.JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToList();
}
