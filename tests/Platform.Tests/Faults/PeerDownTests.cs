using System.Net;
using Npgsql;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>A peer node is down (every process stopped) for a whole scenario: what is meant for it waits and arrives in order.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class PeerDownTests(TwoNodePlatform platform)
{
    [Fact]
    [Trait("Category", "Slow")]
    public async Task Requests_and_events_for_a_node_that_is_down_wait_and_are_processed_in_order_when_it_returns()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        var ownedByA = await flow.PublishAsync("unconditional");
        // dept-b knows the record before dept-a goes down.
        await flow.GrantIdAsync((await flow.RequestAsync(ownedByA)).GetProperty("id").GetString()!);

        foreach (var (name, _, _) in PlatformNode.Processes) await platform.DeptA.KillAsync(name);
        string requestId;
        string changed;
        string withdrawn;
        var titles = new[] { "离线期间的第一版", "离线期间的第二版", "离线期间的第三版" };
        try
        {
            requestId = (await flow.RequestAsync(ownedByA, purpose: "对方节点停机期间提交")).GetProperty("id").GetString()!;

            // Three versions of one record and a record published then withdrawn, all while dept-a is down.
            var record = Records.Valid();
            changed = await PushAsync(flow.Requester, record, titles[0], HttpStatusCode.Created);
            (await PushAsync(flow.Requester, record, titles[1], HttpStatusCode.OK)).ShouldBe(changed);
            (await PushAsync(flow.Requester, record, titles[2], HttpStatusCode.OK)).ShouldBe(changed);
            withdrawn = await PushAsync(flow.Requester, Records.Valid(), null, HttpStatusCode.Created);
            using (var deleted = await flow.Requester.DeleteAsync($"api/catalogue/records/{withdrawn}"))
            {
                deleted.IsSuccessStatusCode.ShouldBeTrue(await deleted.Content.ReadAsStringAsync());
            }

            await Task.Delay(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);
            (await flow.Requester.GetJsonAsync($"api/sharing/requests/{requestId}")).GetProperty("status").GetString().ShouldBe("submitted");
        }
        finally
        {
            foreach (var (name, _, _) in PlatformNode.Processes) platform.DeptA.Start(name);
            await platform.DeptA.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));
        }

        // Generous: after the outage the peer works through a backlog, and two events of one record racing on their
        // separate queues are settled by a retry.
        var patience = TimeSpan.FromMinutes(5);
        var approved = await Eventually.Until(() => flow.Requester.GetJsonAsync($"api/sharing/requests/{requestId}"),
            r => r.GetProperty("status").GetString() == "approved" && r.GetProperty("grant").ValueKind == System.Text.Json.JsonValueKind.Object,
            patience, "the request approved once dept-a is back");
        var (status, _) = await flow.FetchAsync(approved.GetProperty("grant").GetProperty("id").GetString()!);
        status.ShouldBe(HttpStatusCode.OK);

        // The record's views arrive in the order dept-b announced them (one per version, or fewer when versions followed each
        // other faster than its announcer's rounds): dept-a ends at the last one, not an earlier one.
        var (lastRevision, withdrawalRevision) = (await AnnouncedRevisionAsync(changed), await AnnouncedRevisionAsync(withdrawn));
        var federated = await Eventually.Until(() => FederatedAsync(changed), r => r?.Version == lastRevision, patience, $"revision {lastRevision} at dept-a");
        federated!.Value.Title.ShouldBe(titles[2]);
        if (withdrawalRevision > 0)
        {
            await Eventually.Until(() => FederatedAsync(withdrawn), r => r is { Withdrawn: true }, patience, "the withdrawal at dept-a");
        }
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        (await FederatedAsync(changed))!.Value.Version.ShouldBe(lastRevision);
        // Withdrawn before its first announcement, a record is never announced at all.
        if (withdrawalRevision == 0) (await FederatedAsync(withdrawn)).ShouldBeNull();

        var incoming = await flow.Owner.GetJsonAsync("api/sharing/requests?role=incoming&limit=1000");
        incoming.EnumerateArray().Count(r => r.GetProperty("id").GetString() == requestId).ShouldBe(1);
    }

    private static async Task<string> PushAsync(HttpClient http, Dictionary<string, object?> record, string? title, HttpStatusCode expected)
    {
        if (title is not null) record["title"] = title;
        using var response = await http.PostJsonAsync("api/catalogue/records", record);
        response.StatusCode.ShouldBe(expected, await response.Content.ReadAsStringAsync());
        return (await response.ReadJsonAsync()).GetProperty("id").GetString()!;
    }

    /// <summary>The last revision dept-b announced of one of its records, once its announcer is done with it (0: never announced).</summary>
    private async Task<int> AnnouncedRevisionAsync(string recordId)
    {
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM record_announcements WHERE record_id::text = ANY(@ids) AND due", [recordId]),
            count => count == 0, TimeSpan.FromSeconds(60), "dept-b's announcer done with the record");
        await using var connection = new NpgsqlConnection(platform.DeptB.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce((SELECT revision FROM record_announcements WHERE record_id = @id), 0)", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(recordId));
        return (int)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(int Version, string Title, bool Withdrawn)?> FederatedAsync(string recordId)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT version, title, withdrawn FROM federated_records WHERE record_id = @id", connection);
        command.Parameters.AddWithValue("id", Guid.Parse(recordId));
        await using var reader = await command.ExecuteReaderAsync();
        return await reader.ReadAsync() ? (reader.GetInt32(0), reader.GetString(1), reader.GetBoolean(2)) : null;
    }
}
