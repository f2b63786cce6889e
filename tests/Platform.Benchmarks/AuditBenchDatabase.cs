using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;

namespace Platform.Benchmarks;

/// <summary>A fresh, migrated audit database of its own on the run's PostgreSQL (the nodes' logs stay untouched).</summary>
public sealed class AuditBenchDatabase : IAsyncDisposable
{
    private readonly BenchmarkRun _run;
    private readonly string _name;

    private AuditBenchDatabase(BenchmarkRun run, string name) => (_run, _name) = (run, name);

    public static async Task<AuditBenchDatabase> CreateAsync(BenchmarkRun run, string purpose, CancellationToken cancellationToken)
    {
        var database = new AuditBenchDatabase(run, $"{run.RunId}_audit_{purpose}");
        await using (var server = new NpgsqlConnection(run.PostgresServer))
        {
            await server.OpenAsync(cancellationToken);
            await using var create = new NpgsqlCommand($"CREATE DATABASE {database._name}", server);
            await create.ExecuteNonQueryAsync(cancellationToken);
        }
        await using var db = database.Context();
        await db.Database.MigrateAsync(cancellationToken);
        return database;
    }

    public AuditDbContext Context() => new(new DbContextOptionsBuilder<AuditDbContext>()
        .UseNpgsql(_run.Database(_name)).UseSnakeCaseNamingConvention().Options);

    public static AuditLog Log(AuditDbContext db) => new(db, TimeProvider.System, Options.Create(new AuditOptions()));

    private static readonly string[] PublisherRole = ["publisher"];

    /// <summary>An entry shaped like an audited API call (the most common kind).</summary>
    public static AuditEvent ApiCall(string writer, int i) => new(
        DateTimeOffset.UtcNow, "dept-a", writer, "api.catalogue.post", $"/api/catalogue/records/{Guid.NewGuid()}", "ok",
        new { service = "catalogue", method = "POST", route = "/api/catalogue/records/{id:guid}", status = 201, roles = PublisherRole, durationMs = 3.2, index = i });

    /// <summary>Appends <paramref name="count"/> entries from one writer, <paramref name="perTransaction"/> per transaction.</summary>
    public async Task AppendAsync(string writer, int count, int perTransaction, CancellationToken cancellationToken)
    {
        await using var db = Context();
        var log = Log(db);
        for (var done = 0; done < count; done += perTransaction)
        {
            var batch = Enumerable.Range(done, Math.Min(perTransaction, count - done)).Select(i => ApiCall(writer, i)).ToList();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            await log.AppendManyAsync(batch, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var server = new NpgsqlConnection(_run.PostgresServer);
        await server.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE)", server);
        await drop.ExecuteNonQueryAsync();
    }
}
