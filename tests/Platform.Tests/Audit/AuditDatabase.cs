using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Tests.Infrastructure;

namespace Platform.Tests.Audit;

/// <summary>A fresh, migrated audit database on the test PostgreSQL, with helpers to append, verify and tamper.</summary>
public sealed class AuditDatabase(TestInfrastructure infrastructure) : IAsyncLifetime
{
    private ThrowawayDatabase _database = null!;

    public string ConnectionString => _database.ConnectionString;

    public async ValueTask InitializeAsync()
    {
        _database = await ThrowawayDatabase.CreateAsync(infrastructure, "audit_chain");
        await using var db = Context();
        await db.Database.MigrateAsync();
    }

    public AuditDbContext Context() => new(new DbContextOptionsBuilder<AuditDbContext>()
        .UseNpgsql(ConnectionString).UseSnakeCaseNamingConvention().Options);

    /// <summary>Appends <paramref name="count"/> entries, <paramref name="perTransaction"/> per transaction.</summary>
    public async Task AppendAsync(int count, int perTransaction = 1, string algorithm = ChainHash.Sha256, string writer = "writer")
    {
        await using var db = Context();
        var log = new AuditLog(db, TimeProvider.System, Options.Create(new AuditOptions { HashAlgorithm = algorithm }));
        for (var done = 0; done < count; done += perTransaction)
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            var batch = Enumerable.Range(done, Math.Min(perTransaction, count - done))
                .Select(i => new AuditEvent(DateTimeOffset.UtcNow, "dept-a", writer, "test.appended", $"{writer}-{i}", "ok",
                    new { index = i, note = "档案 <测试> & \"quotes\"" }))
                .ToList();
            await log.AppendManyAsync(batch, default);
            await transaction.CommitAsync();
        }
    }

    public async Task<ChainVerification> VerifyAsync(long? from = null, long? to = null)
    {
        await using var db = Context();
        return await new AuditLog(db, TimeProvider.System, Options.Create(new AuditOptions())).VerifyAsync(from, to, default);
    }

    /// <summary>Runs SQL as the superuser with triggers off (session_replication_role = replica): what only a DBA could do.</summary>
    public async Task TamperAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SET session_replication_role = replica; {sql}", connection);
        await command.ExecuteNonQueryAsync();
    }

    public Task ExecuteAsync(string sql) => _database.ExecuteAsync(sql);

    public ValueTask DisposeAsync() => _database.DisposeAsync();
}
