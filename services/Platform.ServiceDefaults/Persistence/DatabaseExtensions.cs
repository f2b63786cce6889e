using Microsoft.AspNetCore.Builder;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Platform.ServiceDefaults.Persistence;

public static class DatabaseExtensions
{
    /// <summary>
    /// The service's own PostgreSQL database (ConnectionStrings:Database): DbContext with snake_case names,
    /// migrations at start-up, readiness check, and the outbox dispatcher.
    /// </summary>
    public static WebApplicationBuilder AddServiceDatabase<TContext>(this WebApplicationBuilder builder,
        Func<TContext, IServiceProvider, CancellationToken, Task>? beforeMigration = null)
        where TContext : PlatformDbContext
    {
        var connectionString = WithAutoPrepare(builder.Configuration.RequiredConnectionString("Database"));

        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<OutboxSignal>();
        builder.Services.AddSingleton<OutboxSignalInterceptor>();
        builder.Services.AddDbContext<TContext>((services, options) => options
            .UseNpgsql(connectionString)
            .UseSnakeCaseNamingConvention()
            .AddInterceptors(services.GetRequiredService<OutboxSignalInterceptor>())
            // A service's own commit signals (registered as CommitSignalInterceptor) wake its own workers.
            .AddInterceptors(services.GetServices<CommitSignalInterceptor>()),
            // The options are built once: built per scope (the default), every consumed message rebuilt them and had EF Core
            // compare them with its cached ones (2% of an event consumer's CPU, perf). Everything they use is a singleton.
            optionsLifetime: ServiceLifetime.Singleton);
        builder.Services.AddScoped<PlatformDbContext>(services => services.GetRequiredService<TContext>());

        builder.Services.AddOptions<OutboxOptions>().Bind(builder.Configuration.GetSection(OutboxOptions.Section));
        builder.Services.AddDatabaseMigration(beforeMigration: beforeMigration);
        builder.Services.AddHostedService<OutboxDispatcher<TContext>>();

        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "database", tags: [HostingExtensions.ReadyTag]);
        return builder;
    }

    /// <summary>
    /// Migrates <typeparamref name="TContext"/> at start-up (waiting for the database), as the owner role when one is
    /// configured, after <paramref name="beforeMigration"/>; then runs <paramref name="afterMigration"/>.
    /// </summary>
    public static IServiceCollection AddDatabaseMigration<TContext>(this IServiceCollection services,
        Func<IServiceProvider, CancellationToken, Task>? afterMigration = null,
        Func<TContext, IServiceProvider, CancellationToken, Task>? beforeMigration = null)
        where TContext : DbContext =>
        services.AddHostedService(provider => ActivatorUtilities.CreateInstance<DatabaseMigrator<TContext>>(provider,
            afterMigration ?? NoSeed, beforeMigration ?? ((_, _, _) => Task.CompletedTask)));

    /// <summary>
    /// Lets Npgsql prepare the statements a service runs again and again (after 5 uses, up to 50 per connection), so
    /// PostgreSQL parses and plans them once per connection instead of on every call. A connection string that sets
    /// <c>Max Auto Prepare</c> itself (0 turns it off, e.g. behind a pooler in transaction mode) is left as it is.
    /// </summary>
    internal static string WithAutoPrepare(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        var given = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        if (!given.ContainsKey("Max Auto Prepare") && !given.ContainsKey("MaxAutoPrepare"))
        {
            settings.MaxAutoPrepare = 50;
        }
        return settings.ConnectionString;
    }

    private static Task NoSeed(IServiceProvider services, CancellationToken cancellationToken) => Task.CompletedTask;
}
