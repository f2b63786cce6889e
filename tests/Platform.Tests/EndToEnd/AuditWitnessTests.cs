using System.Text.Json;
using Npgsql;
using Platform.Audit.Model;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.EndToEnd;

/// <summary>Peers keep signed checkpoints of each other's chains; a node that rewrites its whole log is caught by them.</summary>
[Collection(TwoNodeCollection.Name)]
public sealed class AuditWitnessTests(TwoNodePlatform platform)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_log_rewritten_with_every_hash_recomputed_is_caught_by_the_peers_witness_copies()
    {
        using var deptB = await platform.DeptB.HttpAsync();
        using (var pushed = await deptB.PostJsonAsync("api/catalogue/records", Records.Valid())) pushed.EnsureSuccessStatusCode();
        using var auditor = await platform.DeptB.HttpAsync(platform.DeptB.AuditorClient);
        await Eventually.Until(() => auditor.GetJsonAsync("api/audit/entries?action=record.published&department=dept-b"),
            page => page.GetProperty("items").GetArrayLength() > 0, Patience, "dept-b's record event in its log");
        var entries = (await auditor.GetJsonAsync("api/audit/verify")).GetProperty("entries").GetInt64();
        await Eventually.Until(() => WitnessedAsync(), sequence => sequence >= entries, Patience, "dept-a's witness copy of dept-b's checkpoint");

        var honest = await auditor.GetJsonAsync("api/audit/verify?witnesses=true");
        honest.GetProperty("valid").GetBoolean().ShouldBeTrue(honest.ToString());
        var witness = honest.GetProperty("witnesses").EnumerateArray().Single(w => w.GetProperty("witness").GetString() == "dept-a");
        witness.GetProperty("matched").GetInt32().ShouldBeGreaterThan(0);

        await RewriteWholeChainAsync(platform.DeptB.DatabaseConnectionString("audit"));

        var local = await auditor.GetJsonAsync("api/audit/verify");
        local.GetProperty("valid").GetBoolean().ShouldBeTrue("every hash was recomputed, so the chain alone looks fine");
        var witnessed = await auditor.GetJsonAsync("api/audit/verify?witnesses=true");
        witnessed.GetProperty("valid").GetBoolean().ShouldBeFalse(witnessed.ToString());
        var caught = witnessed.GetProperty("witnesses").EnumerateArray().Single(w => w.GetProperty("witness").GetString() == "dept-a");
        caught.GetProperty("firstMismatchSequence").GetInt64().ShouldBeGreaterThan(0);
        caught.GetProperty("reason").GetString()!.ShouldContain("signed head");
    }

    private async Task<long> WitnessedAsync()
    {
        await using var connection = new NpgsqlConnection(platform.DeptA.DatabaseConnectionString("audit"));
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT coalesce(max(sequence), 0) FROM witnessed_checkpoints WHERE node = 'dept-b'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>What a department's superuser could do: change the first entry and recompute every hash and link after it.</summary>
    private static async Task RewriteWholeChainAsync(string connectionString)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var setUp = new NpgsqlCommand($"SET LOCAL session_replication_role = replica; SELECT pg_advisory_xact_lock({AuditLog.ChainLockKey})", connection, transaction))
        {
            await setUp.ExecuteNonQueryAsync();
        }
        var entries = new List<AuditEntry>();
        await using (var read = new NpgsqlCommand($"SELECT {AuditLog.SelectColumns} FROM audit_entries ORDER BY sequence", connection, transaction))
        await using (var reader = await read.ExecuteReaderAsync())
        {
            while (await reader.ReadAsync()) entries.Add(AuditLog.Read(reader));
        }
        var previous = AuditLog.GenesisHash;
        foreach (var entry in entries)
        {
            if (entry.Sequence == 1) entry.Details = JsonSerializer.Serialize(new { rewritten = true });
            entry.PreviousHash = previous;
            entry.Hash = entry.ComputeHash();
            previous = entry.Hash;
            await using var update = new NpgsqlCommand(
                "UPDATE audit_entries SET details = $1, previous_hash = $2, hash = $3 WHERE sequence = $4", connection, transaction)
            {
                Parameters = { new() { Value = entry.Details }, new() { Value = entry.PreviousHash }, new() { Value = entry.Hash }, new() { Value = entry.Sequence } },
            };
            await update.ExecuteNonQueryAsync();
        }
        await transaction.CommitAsync();
    }
}
