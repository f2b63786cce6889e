using Npgsql;

namespace Platform.Tests.Infrastructure;

/// <summary>
/// What <c>deploy/local/platform up</c> does for each service database, for the test and benchmark nodes: an owner role
/// that owns the database and runs the migrations, and a runtime role the service runs as, which owns nothing and may
/// only connect (the service's migrations grant it the rest).
/// </summary>
public static class DatabaseRoles
{
    public static string Owner(string database) => $"{database}_owner";

    public static string Runtime(string database) => $"{database}_runtime";

    /// <summary>
    /// Creates both roles (with <paramref name="password"/>) and the database (owned by the owner role) unless they
    /// exist; <paramref name="server"/> is a superuser.
    /// </summary>
    public static async Task ProvisionAsync(IDatabaseServer server, string database, string password)
    {
        if (Runtime(database).Length > 63) throw new ArgumentException($"Role names of database {database} would pass PostgreSQL's 63 characters.", nameof(database));
        await using var connection = new NpgsqlConnection(server.Database("postgres"));
        await connection.OpenAsync();
        foreach (var role in new[] { Owner(database), Runtime(database) })
        {
            await ExecuteAsync(connection, $"""
                DO $$ BEGIN
                  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{role}') THEN CREATE ROLE "{role}" LOGIN; END IF;
                END $$;
                ALTER ROLE "{role}" PASSWORD '{password}'
                
                """);
        }
        await using (var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{database}'", connection))
        {
            if (await exists.ExecuteScalarAsync() is null) await ExecuteAsync(connection, $"""CREATE DATABASE "{database}" OWNER "{Owner(database)}" """);
        }
        // Only its own service's roles may connect: the runtime role of one service cannot even open another's database.
        await ExecuteAsync(connection, $"""
            REVOKE ALL ON DATABASE "{database}" FROM PUBLIC;
            GRANT CONNECT, TEMPORARY ON DATABASE "{database}" TO "{Runtime(database)}"
            """);
    }

    /// <summary>The connection string of <paramref name="server"/>'s superuser for <paramref name="database"/>, as <paramref name="role"/>.</summary>
    public static string As(IDatabaseServer server, string database, string role, string password) =>
        new NpgsqlConnectionStringBuilder(server.Database(database)) { Username = role, Password = password }.ConnectionString;

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}
