using System.Text;
using Npgsql;
using Platform.Audit.Model;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Audit;

/// <summary>The hash chain on real PostgreSQL: concurrent writers, the append-only trigger, and tampering found at the right entry.</summary>
public sealed class AuditChainTests(TestInfrastructure infrastructure) : IAsyncLifetime
{
    private readonly AuditDatabase _log = new(infrastructure);

    public ValueTask InitializeAsync() => _log.InitializeAsync();

    public ValueTask DisposeAsync() => _log.DisposeAsync();

    [Fact]
    public async Task Eight_writers_appending_a_thousand_entries_each_make_one_valid_chain()
    {
        // Half the writers append one entry per transaction, half in small batches: both paths contend for the chain lock.
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => _log.AppendAsync(1000, w % 2 == 0 ? 1 : 7, writer: $"w{w}"))));

        var result = await _log.VerifyAsync();
        result.Valid.ShouldBeTrue(result.Reason);
        result.Entries.ShouldBe(8000);
        await using var db = _log.Context();
        await using var connection = new NpgsqlConnection(_log.ConnectionString);
        await connection.OpenAsync();
        await using var check = new NpgsqlCommand(
            "SELECT count(DISTINCT previous_hash), min(sequence), max(sequence), count(*) FROM audit_entries", connection);
        await using var reader = await check.ExecuteReaderAsync();
        await reader.ReadAsync();
        reader.GetInt64(0).ShouldBe(8000, "no two entries link to the same predecessor (no fork)");
        reader.GetInt64(1).ShouldBe(1);
        reader.GetInt64(2).ShouldBe(8000);
    }

    [Theory]
    [InlineData("UPDATE audit_entries SET outcome = 'denied' WHERE sequence = 3")]
    [InlineData("DELETE FROM audit_entries WHERE sequence = 3")]
    [InlineData("TRUNCATE audit_entries")]
    public async Task The_database_refuses_to_change_or_remove_entries_even_for_the_owner(string sql)
    {
        await _log.AppendAsync(5);

        var refused = await Should.ThrowAsync<PostgresException>(() => _log.ExecuteAsync(sql));
        refused.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        refused.MessageText.ShouldContain("append-only");
        (await _log.VerifyAsync()).Entries.ShouldBe(5);
    }

    [Fact]
    public async Task A_superuser_edit_makes_verification_fail_at_exactly_that_entry()
    {
        await _log.AppendAsync(100, perTransaction: 10);
        (await _log.VerifyAsync()).Valid.ShouldBeTrue();

        await _log.TamperAsync("UPDATE audit_entries SET details = replace(details, '\"index\":36', '\"index\":99') WHERE sequence = 37");

        var result = await _log.VerifyAsync();
        result.Valid.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(37);
        result.Entries.ShouldBe(36);
        result.Reason!.ShouldContain("does not match its hash");
        (await _log.VerifyAsync(1, 36)).Valid.ShouldBeTrue("the range before the edit still holds");
        (await _log.VerifyAsync(30, 40)).FirstBrokenSequence.ShouldBe(37);
    }

    [Fact]
    public async Task An_edit_with_its_hash_recomputed_breaks_the_link_of_the_next_entry()
    {
        await _log.AppendAsync(20);
        var entry = await ReadAsync(10);
        entry.Outcome = "denied";
        entry.Hash = entry.ComputeHash();

        await _log.TamperAsync($"UPDATE audit_entries SET outcome = 'denied', hash = '{entry.Hash}' WHERE sequence = 10");

        var result = await _log.VerifyAsync();
        result.FirstBrokenSequence.ShouldBe(11);
        result.Reason!.ShouldContain("does not link");
    }

    [Fact]
    public async Task A_deleted_entry_is_reported_by_its_sequence_number()
    {
        await _log.AppendAsync(60, perTransaction: 6);

        await _log.TamperAsync("DELETE FROM audit_entries WHERE sequence = 42");

        var result = await _log.VerifyAsync();
        result.Valid.ShouldBeFalse();
        result.FirstBrokenSequence.ShouldBe(42);
        result.Reason!.ShouldContain("gap");
    }

    [Fact]
    public async Task Swapping_two_entries_is_detected_at_the_first_of_them()
    {
        await _log.AppendAsync(30, perTransaction: 5);

        await _log.TamperAsync("""
            UPDATE audit_entries SET sequence = -1 WHERE sequence = 20;
            UPDATE audit_entries SET sequence = 20 WHERE sequence = 21;
            UPDATE audit_entries SET sequence = 21 WHERE sequence = -1;
            """);

        var result = await _log.VerifyAsync();
        result.FirstBrokenSequence.ShouldBe(20);
    }

    [Fact]
    public async Task Sm3_entries_record_their_algorithm_and_verify_alongside_sha256_ones()
    {
        await _log.AppendAsync(10, perTransaction: 3);
        await _log.AppendAsync(10, perTransaction: 4, algorithm: ChainHash.Sm3);

        (await ReadAsync(5)).HashAlgorithm.ShouldBe(ChainHash.Sha256);
        (await ReadAsync(15)).HashAlgorithm.ShouldBe(ChainHash.Sm3);
        var result = await _log.VerifyAsync();
        result.Valid.ShouldBeTrue(result.Reason);
        result.Entries.ShouldBe(20);

        // Claiming the other algorithm for an entry (without recomputing) is caught at that entry.
        await _log.TamperAsync("UPDATE audit_entries SET hash_algorithm = 'sha256' WHERE sequence = 15");
        (await _log.VerifyAsync()).FirstBrokenSequence.ShouldBe(15);
    }

    [Fact]
    public void Sm3_matches_the_standard_test_vector()
    {
        // GB/T 32905-2016, example 1: SM3("abc").
        ChainHash.Hex(ChainHash.Sm3, Encoding.ASCII.GetBytes("abc"))
            .ShouldBe("66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0");
    }

    private async Task<AuditEntry> ReadAsync(long sequence)
    {
        await using var connection = new NpgsqlConnection(_log.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT {AuditLog.SelectColumns} FROM audit_entries WHERE sequence = {sequence}", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return AuditLog.Read(reader);
    }
}
