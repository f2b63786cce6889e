using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// The privileges of the role a service runs as (ConnectionStrings:Database) when its migrations run as the owner of its
/// schema (ConnectionStrings:DatabaseOwner): data in every table and sequence, nothing else — no DDL, no TRUNCATE, no
/// migration history, and only INSERT and SELECT on the tables a context marks append-only. Granted by the owner after
/// each migration, and as default privileges for tables later migrations create.
/// </summary>
public static class RuntimeRole
{
    public static async Task GrantAsync(NpgsqlConnection owner, string runtimeRole, IReadOnlyCollection<string> appendOnlyTables,
        CancellationToken cancellationToken)
    {
        var role = Quote(runtimeRole);
        var statements = new List<string>
        {
            $"GRANT USAGE ON SCHEMA public TO {role}",
            $"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
            $"GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO {role}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            $"ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO {role}",
            // The service never reads its migration history; only the owner, who migrates, does.
            $"REVOKE ALL ON TABLE \"__EFMigrationsHistory\" FROM {role}",
        };
        statements.AddRange(appendOnlyTables.Select(table => $"REVOKE UPDATE, DELETE, TRUNCATE ON TABLE {Quote(table)} FROM {role}"));

        await using var batch = new NpgsqlBatch(owner);
        foreach (var statement in statements) batch.BatchCommands.Add(new NpgsqlBatchCommand(statement));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    internal static string Quote(string identifier) => $"\"{identifier.Replace("\"", "\"\"", StringComparison.Ordinal)}\"";
}
