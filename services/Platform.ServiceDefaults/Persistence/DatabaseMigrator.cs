using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Creates the service's database if needed and applies its migrations before the service takes traffic.
/// A database that is not up yet is waited for, not crashed on. <paramref name="afterMigration"/> runs in the same
/// retry loop, for seed data that needs the schema.
/// </summary>
public sealed partial class DatabaseMigrator<TContext>(
    IServiceScopeFactory scopes,
    ILogger<DatabaseMigrator<TContext>> logger,
    Func<IServiceProvider, CancellationToken, Task>? afterMigration = null) : IHostedService
    where TContext : DbContext
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<TContext>().Database.MigrateAsync(cancellationToken);
                if (afterMigration is not null)
                {
                    await afterMigration(scope.ServiceProvider, cancellationToken);
                }
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

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Database of {Context} not reachable yet (attempt {Attempt}): {Reason}; retrying")]
    private static partial void LogWaiting(ILogger logger, string context, int attempt, string reason);
}
