using System.Net;
using Npgsql;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>The broker stopped and restarted in the middle of a large ingest: nothing acknowledged is lost or doubled.</summary>
public sealed class BrokerRestartTests(TestInfrastructure infrastructure)
{
    private const int Batches = 20;
    private const int BatchSize = 500;

    [Fact]
    [Trait("Category", "Slow")]
    public async Task RabbitMQ_restarted_during_a_10000_record_ingest_every_acknowledged_record_is_stored_published_federated_and_audited_once()
    {
        var cancel = TestContext.Current.CancellationToken;
        await using var broker = await RabbitMqServer.StartNewAsync();
        var runId = $"b{Guid.NewGuid():N}"[..9];
        var starting = new[]
        {
            PlatformNode.StartAsync(infrastructure, "dept-a", runId, broker.Uri),
            PlatformNode.StartAsync(infrastructure, "dept-b", runId, broker.Uri),
        };
        await using var deptA = await starting[0];
        await using var deptB = await starting[1];
        using var http = await deptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);

        var acknowledged = new HashSet<string>();
        var batchesDone = 0;
        var ingest = Task.Run(async () =>
        {
            for (var b = 0; b < Batches; b++)
            {
                var records = Enumerable.Range(0, BatchSize).Select(_ => Records.Valid()).ToArray();
                // A client that gets no answer sends the same batch again: pushes are idempotent.
                for (var attempt = 1; ; attempt++)
                {
                    try
                    {
                        using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
                        if (response.StatusCode == HttpStatusCode.OK)
                        {
                            var results = (await response.ReadJsonAsync()).GetProperty("results").EnumerateArray().ToList();
                            results.ShouldAllBe(r => r.GetProperty("status").GetString() == "accepted");
                            lock (acknowledged)
                            {
                                foreach (var result in results) acknowledged.Add(result.GetProperty("record").GetProperty("id").GetString()!);
                            }
                            break;
                        }
                        attempt.ShouldBeLessThan(10, $"batch {b}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel)}");
                    }
                    catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && attempt < 10)
                    {
                    }
                    await Task.Delay(1000, cancel);
                }
                Interlocked.Increment(ref batchesDone);
            }
        }, cancel);

        await Eventually.Until(() => Task.FromResult(Volatile.Read(ref batchesDone)), done => done >= 3 || ingest.IsCompleted,
            TimeSpan.FromMinutes(3), "the first batches acknowledged");
        await broker.StopAsync();
        await Task.Delay(TimeSpan.FromSeconds(5), cancel);
        await broker.StartAsync();
        await ingest;

        acknowledged.Count.ShouldBe(Batches * BatchSize);
        (await deptA.CountAsync("catalogue", "SELECT count(*) FROM records")).ShouldBe(acknowledged.Count);

        // Every record announced exactly once, received once by the peer, and audited once at home.
        var patience = TimeSpan.FromMinutes(8);
        await Eventually.Until(() => deptA.CountAsync("catalogue",
                "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RecordPublished' AND dispatched_at IS NOT NULL"),
            count => count >= acknowledged.Count, patience, "every RecordPublished dispatched");
        (await deptA.CountAsync("catalogue", "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RecordPublished'"))
            .ShouldBe(acknowledged.Count);
        await Eventually.Until(() => deptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE department = 'dept-a'"),
            count => count >= acknowledged.Count, patience, "every record federated at dept-b");
        await Eventually.Until(() => deptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published'"),
            count => count >= acknowledged.Count, patience, "every record audited at dept-a");

        await Task.Delay(TimeSpan.FromSeconds(3), cancel);
        (await deptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE department = 'dept-a'")).ShouldBe(acknowledged.Count);
        (await deptA.CountAsync("audit", "SELECT count(*) FROM audit_entries WHERE action = 'record.published'")).ShouldBe(acknowledged.Count);
        (await deptA.CountAsync("audit", "SELECT count(DISTINCT subject) FROM audit_entries WHERE action = 'record.published'")).ShouldBe(acknowledged.Count);
        var federated = await IdsAsync(deptB, "catalogue", "SELECT record_id::text FROM federated_records WHERE department = 'dept-a'");
        federated.SetEquals(acknowledged).ShouldBeTrue("dept-b holds exactly the acknowledged records");
        using var auditor = await deptA.HttpAsync(deptA.AuditorClient);
        (await auditor.GetJsonAsync("api/audit/verify")).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    private static async Task<HashSet<string>> IdsAsync(PlatformNode node, string process, string sql)
    {
        await using var connection = new NpgsqlConnection(node.DatabaseConnectionString(process));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var ids = new HashSet<string>();
        while (await reader.ReadAsync()) ids.Add(reader.GetString(0));
        return ids;
    }
}
