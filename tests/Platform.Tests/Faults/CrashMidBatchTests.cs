using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Faults;

/// <summary>
/// Processes SIGKILLed mid-work: the catalogue during a batch, then the audit service while it consumes the batch's
/// events. The client's re-send is safe and nothing downstream happens twice.
/// </summary>
[Collection(TwoNodeCollection.Name)]
public sealed class CrashMidBatchTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(4);

    [Fact]
    public async Task After_crashes_mid_batch_and_mid_consumption_every_record_is_announced_federated_and_audited_exactly_once()
    {
        using var http = await platform.DeptA.HttpAsync();
        http.Timeout = TimeSpan.FromMinutes(2);
        var records = Enumerable.Range(0, 500).Select(_ => Records.Valid()).ToArray();

        var attempt = Task.Run(async () =>
        {
            try
            {
                using var response = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
                return response.StatusCode;
            }
            catch (HttpRequestException)
            {
                return HttpStatusCode.ServiceUnavailable;
            }
        });
        await Task.Delay(TimeSpan.FromMilliseconds(RandomNumberGenerator.GetInt32(100, 600)));
        await platform.DeptA.KillAsync("catalogue");
        var firstStatus = await attempt;
        platform.DeptA.Start("catalogue");
        await platform.DeptA.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));

        // The client did not get an answer (or did): it sends the same batch again, which is safe either way.
        using var resent = await http.PostJsonAsync("api/catalogue/records/batch", new { records });
        resent.StatusCode.ShouldBe(HttpStatusCode.OK, await resent.Content.ReadAsStringAsync());
        var results = (await resent.ReadJsonAsync()).GetProperty("results").EnumerateArray().ToList();
        results.ShouldAllBe(r => r.GetProperty("status").GetString() == "accepted");
        if (firstStatus == HttpStatusCode.OK)
        {
            results.ShouldAllBe(r => r.GetProperty("record").GetProperty("outcome").GetString() == "unchanged");
        }
        var ids = results.Select(r => r.GetProperty("record").GetProperty("id").GetString()!).ToArray();

        // The audit service dies while it works through the batch's events.
        await Eventually.Until(() => AuditedAsync(ids), audited => audited.Count > 0, Patience, "the audit service to start on the batch");
        await platform.DeptA.KillAsync("audit");
        platform.DeptA.Start("audit");
        await platform.DeptA.WaitUntilReadyAsync(TimeSpan.FromMinutes(3));

        await Eventually.Until(() => AuditedAsync(ids), audited => audited.Count == ids.Length, Patience, "every record audited");
        await Eventually.Until(() => platform.DeptB.CountAsync("catalogue", "SELECT count(*) FROM federated_records WHERE record_id::text = ANY(@ids)", ids),
            count => count == ids.Length, Patience, "every record federated at dept-b");
        await Task.Delay(TimeSpan.FromSeconds(2));

        (await AuditedAsync(ids)).Values.ShouldAllBe(count => count == 1, "each record audited exactly once");
        (await platform.DeptA.CountAsync("catalogue",
                "SELECT count(*) FROM outbox_messages WHERE message_type LIKE '%RecordPublished' AND body->>'recordId' = ANY(@ids)", ids))
            .ShouldBe(ids.Length, "one RecordPublished per record, whatever the crash and the re-send");
    }

    private async Task<Dictionary<string, long>> AuditedAsync(string[] ids)
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("audit"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(
            "SELECT subject, count(*) FROM audit_entries WHERE action = 'record.published' AND subject = ANY(@ids) GROUP BY subject", connection);
        command.Parameters.AddWithValue("ids", ids);
        await using var reader = await command.ExecuteReaderAsync();
        var audited = new Dictionary<string, long>();
        while (await reader.ReadAsync()) audited[reader.GetString(0)] = reader.GetInt64(1);
        return audited;
    }
}
