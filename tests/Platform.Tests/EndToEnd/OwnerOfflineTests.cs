using System.Net;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>The owner's node is unreachable when a request is sent: the request waits on the exchange, then is processed exactly once.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class OwnerOfflineTests(TwoNodePlatform platform)
{
    [Fact]
    public async Task Request_sent_while_the_owner_is_cut_off_is_processed_once_when_it_returns()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var recordId = await flow.PublishAsync("unconditional");
        // A first request proves the path works and that dept-b knows the record.
        await flow.GrantIdAsync((await flow.RequestAsync(recordId)).GetProperty("id").GetString()!);

        platform.DeptABroker.Cut();
        string requestId;
        try
        {
            requestId = (await flow.RequestAsync(recordId, purpose: "离线期间提交 audit")).GetProperty("id").GetString()!;
            await Task.Delay(TimeSpan.FromSeconds(4), TestContext.Current.CancellationToken);
            var waiting = await flow.Requester.GetJsonAsync($"api/sharing/requests/{requestId}");
            waiting.GetProperty("status").GetString().ShouldBe("submitted");
            using var notAtOwner = await flow.Owner.GetAsync($"api/sharing/requests/{requestId}");
            notAtOwner.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        finally
        {
            await platform.RestoreDeptABrokerAsync();
        }

        var approved = await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/requests/{requestId}"),
            r => r.GetProperty("status").GetString() == "approved" && r.GetProperty("grant").ValueKind == System.Text.Json.JsonValueKind.Object,
            TimeSpan.FromSeconds(90), "the request approved after dept-a came back");
        approved.GetProperty("history").EnumerateArray().Count(h => h.GetProperty("status").GetString() == "approved").ShouldBe(1);

        // Exactly one incoming request and one grant at the owner, even though the broker connection was broken mid-way.
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        var incoming = await flow.Owner.GetJsonAsync("api/sharing/requests?role=incoming&limit=1000");
        incoming.EnumerateArray().Count(r => r.GetProperty("id").GetString() == requestId).ShouldBe(1);
        var issued = await flow.Owner.GetJsonAsync("api/sharing/grants?role=issued");
        issued.EnumerateArray().Count(g => g.GetProperty("requestId").GetString() == requestId).ShouldBe(1);
        var received = await flow.Requester.GetJsonAsync("api/sharing/grants?role=received");
        received.EnumerateArray().Count(g => g.GetProperty("requestId").GetString() == requestId).ShouldBe(1);

        var (status, _) = await flow.FetchAsync(approved.GetProperty("grant").GetProperty("id").GetString()!);
        status.ShouldBe(HttpStatusCode.OK);
    }
}
