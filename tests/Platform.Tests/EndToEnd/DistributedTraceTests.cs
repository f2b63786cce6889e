using System.Net;
using System.Security.Cryptography;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// One trace spans a request from dept-b's gateway across the exchange to dept-a's services: the W3C trace context a
/// client sends travels through dept-b's gateway, sharing service and outbox, the broker, dept-a's sharing consumer and
/// outbox, to dept-a's audit, whose entries record the trace id they were written under (the decision included, and a
/// review deadline that passes later).
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
        var requestId = await SendTracedRequestAsync(flow, recordId, traceId);

        using var auditorA = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var atOwner = await Eventually.Until(() => auditorA.GetJsonAsync($"api/audit/entries?traceId={traceId}"),
            page => Actions(page).Contains("request.approved"), SharingFlow.Patience, "dept-a's audit entries of the trace");
        Actions(atOwner).ShouldContain("request.submitted");
        atOwner.GetProperty("items").EnumerateArray().Where(e => e.GetProperty("action").GetString()!.StartsWith("request.", StringComparison.Ordinal))
            .ShouldAllBe(e => e.GetProperty("subject").GetString() == requestId);
    }

    [Fact]
    public async Task A_review_deadline_passing_later_stays_in_the_trace_of_the_request_it_concerns()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"trace-deadline-{flow.Fonds.ToLowerInvariant()}", new { sharing = "conditional", fondsCode = flow.Fonds, reviewTimeLimit = "PT3S" });
        var recordId = await flow.PublishAsync("conditional");
        var traceId = RandomNumberGenerator.GetHexString(32, true);
        var requestId = await SendTracedRequestAsync(flow, recordId, traceId);

        // The deadline is a timeout the saga scheduled in dept-a's database; it fires seconds after the request's
        // last span ended, and its effects (the overdue flag, audited at dept-a) are still part of the request's trace.
        using var auditorA = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        var atOwner = await Eventually.Until(() => auditorA.GetJsonAsync($"api/audit/entries?traceId={traceId}"),
            page => Actions(page).Contains("request.overdue"), SharingFlow.Patience, "dept-a's overdue entry in the request's trace");
        Actions(atOwner).ShouldContain("request.submitted");
        atOwner.GetProperty("items").EnumerateArray().Single(e => e.GetProperty("action").GetString() == "request.overdue")
            .GetProperty("subject").GetString().ShouldBe(requestId);
    }

    private static async Task<string> SendTracedRequestAsync(SharingFlow flow, string recordId, string traceId) =>
        (await Eventually.Until(async () =>
        {
            using var message = new HttpRequestMessage(HttpMethod.Post, "api/sharing/requests")
            {
                Content = SharingFlow.JsonContent(new { recordId, purpose = "链路追踪 trace test" }),
            };
            message.Headers.Add("traceparent", $"00-{traceId}-{RandomNumberGenerator.GetHexString(16, true)}-01");
            using var response = await flow.Requester.SendAsync(message);
            return response.StatusCode == HttpStatusCode.Accepted ? (await response.ReadJsonAsync()).GetProperty("id").GetString() : null;
        }, id => id is not null, SharingFlow.Patience, "dept-b accepting the traced request"))!;

    private static List<string> Actions(System.Text.Json.JsonElement page) =>
        page.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()!).ToList();
}
