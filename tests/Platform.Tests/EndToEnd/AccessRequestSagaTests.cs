using System.Net;
using System.Text.Json;
using Npgsql;
using Platform.Tests.Infrastructure;
using RabbitMQ.Client;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>
/// The owner's access-request lifecycle is a state machine kept in dept-a's sharing database, with the review deadline
/// as a timeout scheduled in that database: it survives a restart of the service, a late approval still works, and a
/// decision delivered twice changes the request once.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AccessRequestSagaTests(TwoNodePlatform platform)
{
    private const string SagaQueue = "dept-a.sharing.access-request-saga";

    [Fact]
    public async Task Review_deadline_fires_from_the_database_after_a_sharing_restart_and_a_late_approval_still_grants()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"deadline-{flow.Fonds.ToLowerInvariant()}", new { sharing = "conditional", fondsCode = flow.Fonds, reviewTimeLimit = "PT12S" });
        var recordId = await flow.PublishAsync("conditional");
        var requestId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;
        var legacyId = (await flow.RequestAsync(recordId)).GetProperty("id").GetString()!;
        var pending = await flow.OwnerSeesStatusAsync(requestId, "pending-review");
        var deadline = pending.GetProperty("reviewDeadline").GetDateTimeOffset();
        await flow.OwnerSeesStatusAsync(legacyId, "pending-review");

        // The deadline is a scheduled message waiting in dept-a's sharing database, due at the deadline.
        var scheduled = await DeadlineTimeoutsAsync(requestId);
        scheduled.Count.ShouldBe(1);
        scheduled[0].ShouldBe(deadline, TimeSpan.FromSeconds(1));
        // The other looks like a review left pending by the version before the saga: a deadline, but no timeout.
        await ExecuteAsync("DELETE FROM deferred_messages WHERE body->>'requestId' = @id", legacyId);
        await ExecuteAsync("UPDATE access_requests SET review_deadline_token = NULL, review_reminder_token = NULL WHERE id = @id::uuid", legacyId);

        // The service is down when the deadline passes; the timeout is sent once it is back.
        await platform.DeptA.KillAsync("sharing");
        var wait = deadline - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
        if (wait > TimeSpan.Zero) await Task.Delay(wait, TestContext.Current.CancellationToken);
        platform.DeptA.Start("sharing");
        await platform.DeptA.WaitUntilReadyAsync(SharingFlow.Patience);

        var overdue = await Eventually.Until(() => flow.Owner.GetJsonAsync($"api/sharing/requests/{requestId}"),
            r => r.GetProperty("overdue").GetBoolean(), SharingFlow.Patience, "dept-a flagging the review overdue after its restart");
        overdue.GetProperty("status").GetString().ShouldBe("pending-review");
        (await DeadlineTimeoutsAsync(requestId)).ShouldBeEmpty();
        await flow.RequesterSeesAsync(requestId, r => r.GetProperty("overdue").GetBoolean(), "dept-b seeing the review overdue");
        // The legacy review got its timeout at start-up, and it fired too.
        await Eventually.Until(() => flow.Owner.GetJsonAsync($"api/sharing/requests/{legacyId}"),
            r => r.GetProperty("overdue").GetBoolean(), SharingFlow.Patience, "dept-a flagging the legacy review overdue");

        // Overdue is a flag, not an end (docs/SHARING.md): the reviewer still decides, and the grant works.
        using var approve = await flow.Owner.PostJsonAsync($"api/sharing/requests/{requestId}/approve", new { comment = "late but fine" });
        approve.StatusCode.ShouldBe(HttpStatusCode.OK, await approve.Content.ReadAsStringAsync());
        var approved = await approve.ReadJsonAsync();
        approved.GetProperty("status").GetString().ShouldBe("approved");
        approved.GetProperty("overdue").GetBoolean().ShouldBeTrue();
        var seen = await flow.RequesterSeesAsync(requestId,
            r => r.GetProperty("status").GetString() == "approved" && r.GetProperty("grant").ValueKind == JsonValueKind.Object, "dept-b seeing the grant");
        Timeline(seen).ShouldBe(["submitted", "pending-review", "overdue", "approved"]);
        Timeline(approved).ShouldBe(["submitted", "pending-review", "overdue", "approved"]);
        using var content = await flow.Requester.GetAsync($"api/sharing/grants/{seen.GetProperty("grant").GetProperty("id").GetString()}/content");
        content.StatusCode.ShouldBe(HttpStatusCode.OK, await content.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task A_decision_delivered_twice_or_made_twice_at_once_changes_the_request_once()
    {
        await using var flow = await SharingFlow.StartAsync(platform);
        await flow.PutRuleAsync($"twice-{flow.Fonds.ToLowerInvariant()}", new { sharing = "conditional", fondsCode = flow.Fonds });

        // Two reviewers press approve at the same moment: one decides, the other is told it is decided.
        var first = (await flow.RequestAsync(await flow.PublishAsync("conditional"))).GetProperty("id").GetString()!;
        await flow.OwnerSeesStatusAsync(first, "pending-review");
        var approvals = await Task.WhenAll(Enumerable.Range(0, 2).Select(i =>
            flow.Owner.PostJsonAsync($"api/sharing/requests/{first}/approve", new { comment = $"reviewer {i}" })));
        approvals.Select(r => r.StatusCode).Order().ShouldBe([HttpStatusCode.OK, HttpStatusCode.Conflict]);
        foreach (var response in approvals) response.Dispose();
        var approved = await flow.RequesterSeesAsync(first,
            r => r.GetProperty("status").GetString() == "approved" && r.GetProperty("grant").ValueKind == JsonValueKind.Object, "dept-b seeing the approval");
        Timeline(approved).Count(s => s == "approved").ShouldBe(1);
        (await flow.Owner.GetJsonAsync("api/sharing/grants?role=issued")).EnumerateArray()
            .Count(g => g.GetProperty("requestId").GetString() == first).ShouldBe(1);

        // The broker delivers one rejection twice (same message id): it is applied once.
        var second = (await flow.RequestAsync(await flow.PublishAsync("conditional"))).GetProperty("id").GetString()!;
        await flow.OwnerSeesStatusAsync(second, "pending-review");
        var messageId = Guid.NewGuid();
        await SendToSagaTwiceAsync(messageId, new { requestId = second, approve = false, reviewer = "reviewer-x", comment = "重复投递测试" });
        var rejected = await flow.RequesterSeesStatusAsync(second, "rejected");
        rejected.GetProperty("reason").GetString().ShouldBe("重复投递测试");
        await Task.Delay(TimeSpan.FromSeconds(2), TestContext.Current.CancellationToken);
        Timeline(await flow.Owner.GetJsonAsync($"api/sharing/requests/{second}")).ShouldBe(["submitted", "pending-review", "rejected"]);
        Timeline(await flow.Requester.GetJsonAsync($"api/sharing/requests/{second}")).Count(s => s == "rejected").ShouldBe(1);
    }

    private static List<string?> Timeline(JsonElement request) =>
        [.. request.GetProperty("history").EnumerateArray().Select(h => h.GetProperty("status").GetString())];

    private async Task ExecuteAsync(string sql, string requestId)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("sharing"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", requestId);
        (await command.ExecuteNonQueryAsync(TestContext.Current.CancellationToken)).ShouldBeGreaterThanOrEqualTo(1);
    }

    private async Task<List<DateTimeOffset>> DeadlineTimeoutsAsync(string requestId)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("sharing"));
        await connection.OpenAsync(TestContext.Current.CancellationToken);
        await using var command = new NpgsqlCommand(
            "SELECT due_at FROM deferred_messages WHERE message_type LIKE '%ReviewDeadlineReached' AND body->>'requestId' = @id", connection);
        command.Parameters.AddWithValue("id", requestId);
        var due = new List<DateTimeOffset>();
        await using var reader = await command.ExecuteReaderAsync(TestContext.Current.CancellationToken);
        while (await reader.ReadAsync(TestContext.Current.CancellationToken)) due.Add(reader.GetFieldValue<DateTimeOffset>(0));
        return due;
    }

    /// <summary>A reviewer's command as MassTransit puts it on the wire, published twice with one message id (a redelivery).</summary>
    private async Task SendToSagaTwiceAsync(Guid messageId, object command)
    {
        var envelope = JsonSerializer.SerializeToUtf8Bytes(new
        {
            messageId,
            messageType = new[] { "urn:message:Platform.SharingPolicy.Saga:ReviewAccessRequest" },
            message = command,
            sentTime = DateTimeOffset.UtcNow,
        }, JsonSerializerOptions.Web);
        var factory = new ConnectionFactory { Uri = platform.VirtualHost };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), TestContext.Current.CancellationToken);
        var properties = new BasicProperties
        {
            MessageId = messageId.ToString(),
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
        };
        for (var i = 0; i < 2; i++)
        {
            await channel.BasicPublishAsync("", SagaQueue, mandatory: true, properties, envelope, TestContext.Current.CancellationToken);
        }
    }
}
