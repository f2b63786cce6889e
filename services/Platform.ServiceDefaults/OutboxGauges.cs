using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Platform.ServiceDefaults.Persistence;

namespace Platform.ServiceDefaults;

/// <summary>
/// Outbox backlog and the age of its oldest message as gauges (<c>platform.outbox.backlog</c>, <c>platform.outbox.oldest_age</c>),
/// sampled every few seconds by reading the outbox table, so a scrape never waits for the database.
/// </summary>
public sealed class OutboxGauges<TContext>(IServiceScopeFactory scopes, ILogger<OutboxGauges<TContext>> logger)
    : DatabaseGauges<TContext>(scopes, logger)
    where TContext : PlatformDbContext
{
    private long _backlog;
    private double _oldestAge;

    protected override void RegisterGauges()
    {
        PlatformMetrics.Meter.CreateObservableGauge("platform.outbox.backlog", () => Interlocked.Read(ref _backlog), "{message}",
            "Messages committed to the outbox and not yet published.");
        PlatformMetrics.Meter.CreateObservableGauge("platform.outbox.oldest_age", () => Volatile.Read(ref _oldestAge), "s",
            "Age of the oldest message not yet published (0 when the outbox is empty).");
    }

    protected override async Task SampleAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 FROM outbox_messages WHERE dispatched_at IS NULL",
            connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        Interlocked.Exchange(ref _backlog, reader.GetInt64(0));
        Volatile.Write(ref _oldestAge, Math.Max(0, reader.GetDouble(1)));
    }
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
