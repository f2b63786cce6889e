using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults;

/// <summary>
/// Gauges read from a service's database every few seconds, so a scrape never waits for the database: a derived
/// class registers its gauges and reads their values in <see cref="SampleAsync"/>. A failed sample (database down)
/// keeps the last values and is logged at debug level.
/// </summary>
public abstract partial class DatabaseGauges<TContext>(IServiceScopeFactory scopes, ILogger logger) : BackgroundService
    where TContext : PlatformDbContext
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    /// <summary>Creates the observable gauges; called once before the first sample.</summary>
    protected abstract void RegisterGauges();

    /// <summary>Reads the gauges' values on an open connection to the service's database.</summary>
    protected abstract Task SampleAsync(NpgsqlConnection connection, CancellationToken cancellationToken);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        RegisterGauges();
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var connection = (NpgsqlConnection)scope.ServiceProvider.GetRequiredService<TContext>().Database.GetDbConnection();
                await connection.OpenAsync(stoppingToken);
                await SampleAsync(connection, stoppingToken);
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogSampleFailed(logger, GetType().Name, ex.Message);
            }
        }
        while (await WaitAsync(timer, stoppingToken));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "{Gauges} not sampled: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string gauges, string reason);
}
