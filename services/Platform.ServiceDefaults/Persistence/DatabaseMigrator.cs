using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Migrations;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Creates the service's database if needed and applies its migrations before the service takes traffic.
/// A database that is not up yet is waited for, not crashed on. With <c>ConnectionStrings:DatabaseOwner</c> set, the
/// migrations run as that role and then grant the service's own role (ConnectionStrings:Database) what
/// <see cref="RuntimeRole"/> allows, so the role the service runs as owns nothing. <paramref name="beforeMigration"/>
/// runs as the owner just before the migrations; <paramref name="afterMigration"/> runs in the same retry loop as the
/// service's own role, for seed data that needs the schema.
/// </summary>
public sealed partial class DatabaseMigrator<TContext>(
    IServiceScopeFactory scopes,
    IConfiguration configuration,
    ILogger<DatabaseMigrator<TContext>> logger,
    Func<IServiceProvider, CancellationToken, Task> afterMigration,
    Func<TContext, IServiceProvider, CancellationToken, Task> beforeMigration) : IHostedService
    where TContext : DbContext
{
    public const string OwnerConnectionString = "DatabaseOwner";

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await MigrateAsync(cancellationToken);
                await using var scope = scopes.CreateAsyncScope();
                await afterMigration(scope.ServiceProvider, cancellationToken);
                return;
            }
            // Only "not reachable yet" is waited for; a broken migration fails start-up loudly.
            catch (Exception ex) when (DependencyUnavailableHandler.IsUnavailable(ex) && !cancellationToken.IsCancellationRequested)
            {
                LogWaiting(logger, typeof(TContext).Name, attempt, ex.Message);
                await Task.Delay(TimeSpan.FromSeconds(Math.Min(10, attempt)), cancellationToken);
            }
        }
    }

    private async Task MigrateAsync(CancellationToken cancellationToken)
    {
        // A scope of its own: its context is switched to the owner's connection and must not serve anything else.
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<TContext>();
        var runtimeRole = new NpgsqlConnectionStringBuilder(db.Database.GetConnectionString()).Username;
        var owner = configuration.GetConnectionString(OwnerConnectionString);
        if (owner is { Length: > 0 })
        {
            db.Database.SetConnectionString(owner);
            // The administrator created the database empty; EF Core would first read its missing history table and log
            // that as a failed command (dotnet/efcore#37328).
            await db.GetService<IHistoryRepository>().CreateIfNotExistsAsync(cancellationToken);
        }
        else
        {
            LogSingleRole(logger, typeof(TContext).Name);
        }

        await beforeMigration(db, scope.ServiceProvider, cancellationToken);
        await db.Database.MigrateAsync(cancellationToken);

        var ownerRole = owner is { Length: > 0 } ? new NpgsqlConnectionStringBuilder(owner).Username : runtimeRole;
        if (runtimeRole is { Length: > 0 } && !string.Equals(ownerRole, runtimeRole, StringComparison.Ordinal))
        {
            await db.Database.OpenConnectionAsync(cancellationToken);
            await RuntimeRole.GrantAsync((NpgsqlConnection)db.Database.GetDbConnection(), runtimeRole,
                (db as PlatformDbContext)?.AppendOnlyTables ?? [], cancellationToken);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database of {Context} not reachable yet (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogWaiting(ILogger logger, string context, int attempt, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ConnectionStrings:DatabaseOwner is not set: {Context} migrates as the role it runs as, which then owns its tables (see docs/SECURITY.md)")]
    private static partial void LogSingleRole(ILogger logger, string context);
}
