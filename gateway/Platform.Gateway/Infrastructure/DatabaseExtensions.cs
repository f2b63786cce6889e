using Platform.Gateway.Auth;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Gateway.Infrastructure;

internal static class DatabaseExtensions
{
    /// <summary>The gateway's PostgreSQL database (ConnectionStrings:Database): context, migrations and client bootstrap at start-up, readiness check.</summary>
    public static WebApplicationBuilder AddGatewayDatabase(this WebApplicationBuilder builder)
    {
        var connectionString = builder.Configuration.RequiredConnectionString("Database");

        builder.Services.AddDbContext<GatewayDbContext>(options => GatewayDbContext.Configure(options, connectionString));
        builder.Services.AddDatabaseMigration<GatewayDbContext>((services, cancellationToken) =>
            services.GetRequiredService<ClientBootstrap>().UpsertAsync(cancellationToken));
        builder.Services.AddHealthChecks().AddNpgSql(connectionString, name: "database", tags: [HostingExtensions.ReadyTag]);
        return builder;
    }
}
