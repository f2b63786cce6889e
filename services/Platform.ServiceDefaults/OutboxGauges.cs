using System.Diagnostics.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults;

/// <summary>
/// Outbox backlog and the age of its oldest message as gauges (<c>platform.outbox.backlog</c>, <c>platform.outbox.oldest_age</c>),
/// sampled every few seconds by reading the outbox table, so a scrape never waits for the database.
/// </summary>
public sealed partial class OutboxGauges<TContext>(IServiceScopeFactory scopes, ILogger<OutboxGauges<TContext>> logger) : BackgroundService
    where TContext : PlatformDbContext
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private long _backlog;
    private double _oldestAge;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        PlatformMetrics.Meter.CreateObservableGauge("platform.outbox.backlog", () => Interlocked.Read(ref _backlog), "{message}",
            "Messages committed to the outbox and not yet published.");
        PlatformMetrics.Meter.CreateObservableGauge("platform.outbox.oldest_age", () => Volatile.Read(ref _oldestAge), "s",
            "Age of the oldest message not yet published (0 when the outbox is empty).");
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                var db = scope.ServiceProvider.GetRequiredService<TContext>();
                var connection = (NpgsqlConnection)db.Database.GetDbConnection();
                await connection.OpenAsync(stoppingToken);
                await using var command = new NpgsqlCommand(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_messages WHERE dispatched_at IS NULL",
                    connection);
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                Interlocked.Exchange(ref _backlog, reader.GetInt64(0));
                Volatile.Write(ref _oldestAge, Math.Max(0, reader.GetDouble(1)));
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or TimeoutException && !stoppingToken.IsCancellationRequested)
            {
                LogSampleFailed(logger, ex.Message);
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

    [LoggerMessage(Level = LogLevel.Debug, Message = "Outbox gauges not sampled: {Reason}")]
    private static partial void LogSampleFailed(ILogger logger, string reason);
}

public static class OutboxGaugeExtensions
{
    /// <summary>Exports the service's outbox backlog and oldest-message age as gauges.</summary>
    public static WebApplicationBuilder AddOutboxGauges<TContext>(this WebApplicationBuilder builder) where TContext : PlatformDbContext
    {
        builder.Services.AddHostedService<OutboxGauges<TContext>>();
        return builder;
    }
}
