using System.Net;
using System.Text;
using System.Text.Json;
using Platform.Contracts;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using RabbitMQ.Client;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>Poison messages end in the consumer's error queue with the reason; operators list them and replay them.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class ErrorQueueTests(TwoNodePlatform platform)
{
    private const string Queue = "dept-a.audit.record-published-audit";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_poison_message_is_listed_with_its_reason_and_replayed_messages_go_back_to_the_consumer()
    {
        using var operatorClient = await platform.DeptA.HttpAsync(platform.DeptA.RoleClients[Roles.Operator]);

        // A message that cannot be read: it goes straight to the error queue (no retry helps it).
        var poisonId = Guid.NewGuid().ToString();
        var poison = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            messageId = poisonId,
            messageType = new[] { $"urn:message:{typeof(RecordPublished).Namespace}:{nameof(RecordPublished)}" },
            message = new { recordId = "not-a-guid", department = "dept-a", version = "one" },
        }));
        await SendRawAsync(Queue, poisonId, poison, faultHeaders: false);

        var listed = await Eventually.Until(() => ErrorMessagesAsync(operatorClient),
            messages => messages.Any(m => m.GetProperty("messageId").GetString() == poisonId), Patience, "the poison message listed");
        var entry = listed.Single(m => m.GetProperty("messageId").GetString() == poisonId);
        entry.GetProperty("queue").GetString().ShouldBe($"{Queue}_error");
        entry.GetProperty("inputQueue").GetString().ShouldBe(Queue);
        entry.GetProperty("reason").GetString().ShouldNotBeNullOrWhiteSpace();
        entry.GetProperty("exceptionType").GetString().ShouldNotBeNullOrWhiteSpace();
        entry.GetProperty("messageType").GetString()!.ShouldContain(nameof(RecordPublished));
        var firstFault = entry.GetProperty("faultedAt").GetDateTimeOffset();
        // Listing leaves it where it is.
        (await ErrorMessagesAsync(operatorClient)).Count(m => m.GetProperty("messageId").GetString() == poisonId).ShouldBe(1);

        // Replayed while its cause is still there, it reaches the consumer again and comes back with a new fault.
        using (var replayed = await operatorClient.PostAsync($"api/audit/operator/error-messages/{poisonId}/replay", null))
        {
            replayed.StatusCode.ShouldBe(HttpStatusCode.OK, await replayed.Content.ReadAsStringAsync());
            (await replayed.ReadJsonAsync()).GetProperty("replayed").GetInt32().ShouldBe(1);
        }
        await Eventually.Until(() => ErrorMessagesAsync(operatorClient),
            messages => messages.Any(m => m.GetProperty("messageId").GetString() == poisonId && m.GetProperty("faultedAt").GetDateTimeOffset() > firstFault),
            Patience, "the replayed poison message faulting again");

        // A valid event left in the error queue by a fault whose cause has since been fixed: replaying it delivers it.
        var recordId = Guid.NewGuid();
        var eventId = Guid.NewGuid().ToString();
        var valid = new RecordPublished(recordId, "dept-a", 1, new RecordMetadata(
            $"replay-{recordId:N}", "A012", "A012-2024-Y-0001", "重放的记录", "市档案局", new DateOnly(2024, 1, 2), null,
            "permanent", "public", "administrative", [], null, "unconditional"), DateTimeOffset.UtcNow);
        // dept-a's own record event: it never leaves the node, so it is not signed (a replay still must not have crossed).
        var envelope = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(new
        {
            messageId = eventId,
            messageType = new[] { $"urn:message:{typeof(RecordPublished).Namespace}:{nameof(RecordPublished)}" },
            message = valid,
        }, JsonSerializerOptions.Web));
        await SendRawAsync($"{Queue}_error", eventId, envelope, faultHeaders: true);
        var parked = await ErrorMessagesAsync(operatorClient);
        parked.Single(m => m.GetProperty("messageId").GetString() == eventId).GetProperty("reason").GetString().ShouldBe("the audit database was unavailable");

        using (var all = await operatorClient.PostAsync("api/audit/operator/error-messages/replay", null))
        {
            all.StatusCode.ShouldBe(HttpStatusCode.OK, await all.Content.ReadAsStringAsync());
            (await all.ReadJsonAsync()).GetProperty("replayed").GetInt32().ShouldBeGreaterThanOrEqualTo(2);
        }
        using var auditor = await platform.DeptA.HttpAsync(platform.DeptA.AuditorClient);
        await Eventually.Until(
            async () => (await auditor.GetJsonAsync($"api/audit/entries?subject={recordId}&action=record.published")).GetProperty("items").GetArrayLength(),
            count => count == 1, Patience, "the replayed event audited");
        var after = await Eventually.Until(() => ErrorMessagesAsync(operatorClient),
            messages => messages.Any(m => m.GetProperty("messageId").GetString() == poisonId), Patience, "the poison message back in the error queue");
        after.ShouldNotContain(m => m.GetProperty("messageId").GetString() == eventId);

        using var unknown = await operatorClient.PostAsync($"api/audit/operator/error-messages/{Guid.NewGuid()}/replay", null);
        unknown.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        unknown.Content.Headers.ContentType?.MediaType.ShouldBe("application/problem+json");
    }

    private static async Task<List<JsonElement>> ErrorMessagesAsync(HttpClient http) =>
        (await http.GetJsonAsync("api/audit/operator/error-messages?limit=500")).EnumerateArray().ToList();

    /// <summary>Puts bytes on a queue as a faulty producer (or, with fault headers, MassTransit's error transport) would.</summary>
    private async Task SendRawAsync(string queue, string messageId, byte[] body, bool faultHeaders)
    {
        var factory = new ConnectionFactory { Uri = platform.VirtualHost };
        await using var connection = await factory.CreateConnectionAsync(TestContext.Current.CancellationToken);
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true),
            TestContext.Current.CancellationToken);
        var properties = new BasicProperties
        {
            MessageId = messageId,
            ContentType = "application/vnd.masstransit+json",
            DeliveryMode = DeliveryModes.Persistent,
            Headers = faultHeaders
                ? new Dictionary<string, object?>
                {
                    ["MT-Reason"] = "fault",
                    ["MT-Fault-ExceptionType"] = "Npgsql.NpgsqlException",
                    ["MT-Fault-Message"] = "the audit database was unavailable",
                    ["MT-Fault-Timestamp"] = DateTimeOffset.UtcNow.ToString("O"),
                }
                : new Dictionary<string, object?>(),
        };
        await channel.BasicPublishAsync("", queue, mandatory: true, properties, body, TestContext.Current.CancellationToken);
    }
}
