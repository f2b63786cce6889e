using Npgsql;

namespace Platform.Tests.Infrastructure;

/// <summary>An empty database of one test's own on the test PostgreSQL, dropped (with its connections) when disposed.</summary>
public sealed class ThrowawayDatabase : IAsyncDisposable
{
    private readonly TestInfrastructure _infrastructure;

    private ThrowawayDatabase(TestInfrastructure infrastructure, string name) => (_infrastructure, Name) = (infrastructure, name);

    public string Name { get; }

    public string ConnectionString => _infrastructure.Database(Name);

    /// <summary>Creates a database named <paramref name="prefix"/> and a unique suffix.</summary>
    public static async Task<ThrowawayDatabase> CreateAsync(TestInfrastructure infrastructure, string prefix)
    {
        var database = new ThrowawayDatabase(infrastructure, $"{prefix}_{Guid.NewGuid():N}");
        await database.ServerAsync($"CREATE DATABASE {database.Name}");
        return database;
    }

    /// <summary>Runs one statement in this database.</summary>
    public async Task ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> run in this database.</summary>
    public async Task<T> ScalarAsync<T>(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ServerAsync($"DROP DATABASE IF EXISTS {Name} WITH (FORCE)");
    }

    private async Task ServerAsync(string sql)
    {
        await using var server = new NpgsqlConnection(_infrastructure.PostgresServer);
        await server.OpenAsync();
        await using var command = new NpgsqlCommand(sql, server);
        await command.ExecuteNonQueryAsync();
    }
}
