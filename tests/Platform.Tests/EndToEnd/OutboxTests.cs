using System.Net;
using System.Text.Json;
using MassTransit;
using Npgsql;
using Platform.Contracts;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>The transactional outbox and idempotent inbox, with the broker really taken away.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class OutboxTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task A_push_accepted_while_the_broker_is_unreachable_is_announced_once_the_broker_is_back()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        string id;
        platform.DeptABroker.Cut();
        try
        {
            using var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid());
            pushed.StatusCode.ShouldBe(HttpStatusCode.Created, await pushed.Content.ReadAsStringAsync());
            id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;

            await Task.Delay(TimeSpan.FromSeconds(3));
            (await PendingOutboxRowsAsync(id)).ShouldBe(1, "the event waits in dept-a's outbox while the broker is away");
            (await AuditEntriesAsync(deptA, id)).ShouldBe(0);
        }
        finally
        {
            await platform.RestoreDeptABrokerAsync();
        }

        await Eventually.Until(() => AuditEntriesAsync(deptA, id), count => count > 0, Patience, "the audit entry after the broker came back");
        // The row is marked once its batch's confirms are in, which may be just after a consumer acted on it.
        await Eventually.Until(() => PendingOutboxRowsAsync(id), pending => pending == 0, Patience, "the outbox row marked dispatched");
        using var deptB = await platform.DeptB.HttpAsync();
        await Eventually.Until(() => deptB.GetJsonAsync($"api/catalogue/federated?department=dept-a&page=1&pageSize=500"),
            page => page.GetProperty("items").EnumerateArray().Any(r => r.GetProperty("id").GetString() == id), Patience, "the record at dept-b");
        (await AuditEntriesAsync(deptA, id)).ShouldBe(1);
    }

    [Fact]
    public async Task An_event_delivered_twice_is_acted_on_once()
    {
        using var deptA = await platform.DeptA.HttpAsync();
        using var pushed = await deptA.PostJsonAsync("api/catalogue/records", Records.Valid());
        var id = (await pushed.ReadJsonAsync()).GetProperty("id").GetString()!;
        await Eventually.Until(() => AuditEntriesAsync(deptA, id), count => count > 0, Patience, "the first audit entry");
        var (messageId, original) = await DispatchedEventAsync(id);

        // The same message id again, even with different content, must change nothing anywhere.
        var duplicate = original with { Version = 99, Metadata = original.Metadata with { Title = "篡改的标题" } };
        var marker = original with { RecordId = Guid.NewGuid(), Metadata = original.Metadata with { ExternalId = $"marker-{Guid.NewGuid():N}" } };
        // Record events stay inside dept-a's node (they are not signed): the check is its consumers' inbox.
        await platform.PublishAsAsync("dept-a", async bus =>
        {
            await bus.Publish(duplicate, context => context.MessageId = messageId, TestContext.Current.CancellationToken);
            await bus.Publish(duplicate, context => context.MessageId = messageId, TestContext.Current.CancellationToken);
            await bus.Publish(marker, TestContext.Current.CancellationToken);
        });

        // Once the marker published after the duplicates is processed, the duplicates have been delivered too.
        await Eventually.Until(() => AuditEntriesAsync(deptA, marker.RecordId.ToString()), count => count > 0, Patience, "the marker event");
        await Task.Delay(TimeSpan.FromSeconds(2));

        (await AuditEntriesAsync(deptA, id)).ShouldBe(1);
        (await platform.DeptA.CountAsync("sharing", "SELECT count(*) FROM shared_records WHERE record_id::text = ANY(@ids) AND version = 1", [id]))
            .ShouldBe(1, "dept-a's sharing policy still holds version 1");
        using var deptB = await platform.DeptB.HttpAsync();
        var federated = await deptB.GetJsonAsync($"api/catalogue/federated?department=dept-a&pageSize=500");
        var record = federated.GetProperty("items").EnumerateArray().Single(r => r.GetProperty("id").GetString() == id);
        record.GetProperty("metadata").GetProperty("title").GetString().ShouldBe(original.Metadata.Title);
    }

    private static async Task<int> AuditEntriesAsync(HttpClient http, string subject) =>
        (await http.GetJsonAsync($"api/audit/entries?subject={subject}&action=record.published")).GetProperty("items").GetArrayLength();

    private async Task<long> PendingOutboxRowsAsync(string recordId)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT count(*) FROM outbox_messages WHERE dispatched_at IS NULL AND body->>'recordId' = @id", connection);
        command.Parameters.AddWithValue("id", recordId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<(Guid MessageId, RecordPublished Message)> DispatchedEventAsync(string recordId)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("catalogue"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT message_id, body::text FROM outbox_messages WHERE body->>'recordId' = @id AND message_type LIKE '%RecordPublished'", connection);
        command.Parameters.AddWithValue("id", recordId);
        await using var reader = await command.ExecuteReaderAsync();
        (await reader.ReadAsync()).ShouldBeTrue();
        return (reader.GetGuid(0), JsonSerializer.Deserialize<RecordPublished>(reader.GetString(1), JsonSerializerOptions.Web)!);
    }
}
