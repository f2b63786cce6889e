using System.Net;
using System.Security.Cryptography;
using Npgsql;
using Platform.Tests.EndToEnd;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Security;

/// <summary>
/// Each service runs as a role that owns nothing; the audit service's role can add to history and read it, never change
/// it; the checkpoint signing key is a file, not a row.
/// </summary>
[Collection(LeastPrivilegeCollection.Name)]
public sealed class DatabaseRoleTests(LeastPrivilegeNode fixture)
{
    private PlatformNode Node => fixture.Node;

    [Fact]
    public async Task Audit_runtime_role_cannot_change_delete_or_unprotect_audit_history()
    {
        using var http = await Node.HttpAsync();
        using (var pushed = await http.PostJsonAsync("api/catalogue/records", Records.Valid()))
        {
            pushed.IsSuccessStatusCode.ShouldBeTrue(await pushed.Content.ReadAsStringAsync());
        }
        await Eventually.Until(() => Node.CountAsync("audit", "SELECT count(*) FROM audit_entries"), count => count > 0,
            TimeSpan.FromMinutes(1), "an audit entry written by the audit service's runtime role");

        await using var runtime = new NpgsqlConnection(Node.RuntimeConnectionString("audit"));
        await runtime.OpenAsync();
        (await ScalarAsync(runtime, "SELECT count(*) FROM audit_entries")).ShouldBeOfType<long>().ShouldBeGreaterThan(0);
        (await ScalarAsync(runtime, "SELECT has_table_privilege('audit_entries', 'INSERT')")).ShouldBe(true);

        string[] forbidden =
        [
            "UPDATE audit_entries SET outcome = 'rewritten'",
            "DELETE FROM audit_entries",
            "TRUNCATE audit_entries",
            "UPDATE audit_checkpoints SET head = 'rewritten'",
            "DELETE FROM witnessed_checkpoints",
            "UPDATE peer_keys SET public_key_pem = 'forged'",
            "ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_update_or_delete",
            "ALTER TABLE audit_entries DISABLE TRIGGER ALL",
            "DROP TRIGGER audit_entries_no_update_or_delete ON audit_entries",
            "CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
            "DROP TABLE audit_entries",
            "CREATE TABLE audit_entries_copy (id bigint)",
            "DELETE FROM \"__EFMigrationsHistory\"",
            "SET session_replication_role = replica",
        ];
        foreach (var sql in forbidden)
        {
            var refused = await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(runtime, sql), sql);
            // Refused by privileges, not by the append-only trigger (which the owner could disable).
            refused.SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege, sql);
            refused.MessageText.ShouldNotContain("append-only", Case.Insensitive, sql);
        }

        using var verified = await http.GetAsync("api/audit/verify");
        verified.StatusCode.ShouldBe(HttpStatusCode.OK);
        (await verified.ReadJsonAsync()).GetProperty("valid").GetBoolean().ShouldBeTrue();
    }

    [Fact]
    public async Task Every_service_runs_as_a_role_that_owns_nothing_and_reaches_no_other_database()
    {
        foreach (var (process, _, _) in PlatformNode.Processes)
        {
            var database = Node.DatabaseName(process);
            await using var server = new NpgsqlConnection(Node.DatabaseConnectionString(process));
            await server.OpenAsync();
            var owned = await ScalarAsync(server, $"""
                SELECT (SELECT count(*) FROM pg_class WHERE relowner = '{DatabaseRoles.Runtime(database)}'::regrole)
                     + (SELECT count(*) FROM pg_proc WHERE proowner = '{DatabaseRoles.Runtime(database)}'::regrole)
                     + (SELECT count(*) FROM pg_namespace WHERE nspowner = '{DatabaseRoles.Runtime(database)}'::regrole)
                """);
            owned.ShouldBe(0L, process);
            var tablesOfOwner = await ScalarAsync(server, $"""
                SELECT count(*) FROM pg_tables WHERE schemaname = 'public' AND tableowner = '{DatabaseRoles.Owner(database)}'
                """);
            tablesOfOwner.ShouldBeOfType<long>().ShouldBeGreaterThan(0, process);
            (await ScalarAsync(server, $"""
                SELECT rolsuper OR rolcreatedb OR rolcreaterole OR rolbypassrls FROM pg_roles WHERE rolname = '{DatabaseRoles.Runtime(database)}'
                """)).ShouldBe(false, process);
        }

        // The catalogue's role cannot even connect to the audit database.
        var intruder = new NpgsqlConnectionStringBuilder(Node.RuntimeConnectionString("catalogue")) { Database = Node.DatabaseName("audit") };
        await using var elsewhere = new NpgsqlConnection(intruder.ConnectionString);
        (await Should.ThrowAsync<PostgresException>(() => elsewhere.OpenAsync())).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
    }

    [Fact]
    public async Task Catalogue_runtime_role_keeps_search_statistics_only_through_the_owners_functions()
    {
        await using var runtime = new NpgsqlConnection(Node.RuntimeConnectionString("catalogue"));
        await runtime.OpenAsync();
        var notices = new List<string>();
        runtime.Notice += (_, e) => notices.Add(e.Notice.MessageText);

        // Both steps need the table's owner: run directly, the runtime role is refused (or, for ANALYZE, skipped).
        (await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(runtime, """
            SELECT gin_clean_pending_list(i.indexrelid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
            JOIN pg_am a ON a.oid = c.relam WHERE i.indrelid = 'records'::regclass AND a.amname = 'gin'
            """))).SqlState.ShouldBe(PostgresErrorCodes.InsufficientPrivilege);
        await ExecuteAsync(runtime, "ANALYZE records");
        notices.ShouldContain(notice => notice.Contains("skipping", StringComparison.Ordinal));

        notices.Clear();
        await ExecuteAsync(runtime, "SELECT search_tables_clean_pending('records')");
        await ExecuteAsync(runtime, "SELECT search_tables_analyze('records')");
        await ExecuteAsync(runtime, "SELECT search_tables_analyze('federated_records')");
        notices.ShouldBeEmpty();
        (await Should.ThrowAsync<PostgresException>(() => ExecuteAsync(runtime, "SELECT search_tables_analyze('outbox_messages')")))
            .SqlState.ShouldBe(PostgresErrorCodes.InvalidParameterValue);
    }

    [Fact]
    public async Task Checkpoint_signing_key_is_a_file_only_its_owner_reads_and_not_a_database_row()
    {
        var keyFile = Path.Combine(AppContext.BaseDirectory, "node-logs", Node.RunId, $"{Node.Id}-audit-signing-key.pem");
        using var http = await Node.HttpAsync();
        using var published = await http.GetAsync("api/audit/node-key");
        published.StatusCode.ShouldBe(HttpStatusCode.OK);

        File.Exists(keyFile).ShouldBeTrue();
        if (!OperatingSystem.IsWindows()) File.GetUnixFileMode(keyFile).ShouldBe(UnixFileMode.UserRead | UnixFileMode.UserWrite);
        using var key = ECDsa.Create();
        key.ImportFromPem(await File.ReadAllTextAsync(keyFile));
        (await published.Content.ReadAsStringAsync()).Trim().ShouldBe(key.ExportSubjectPublicKeyInfoPem().Trim());

        await using var server = new NpgsqlConnection(Node.DatabaseConnectionString("audit"));
        await server.OpenAsync();
        (await ScalarAsync(server, "SELECT to_regclass('node_signing_keys') IS NULL")).ShouldBe(true);
    }

    private static async Task<object?> ScalarAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync();
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
