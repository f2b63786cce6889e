using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.ServiceDefaults;
using Platform.Tests.Infrastructure;

namespace Platform.Tests.Catalogue;

/// <summary>A fresh, migrated catalogue database of dept-a's on the test PostgreSQL, with the services that write records into it.</summary>
public sealed class CatalogueDatabase : IAsyncDisposable
{
    private CatalogueDatabase(ThrowawayDatabase database, ServiceProvider services) => (Database, Services) = (database, services);

    public ThrowawayDatabase Database { get; }

    public ServiceProvider Services { get; }

    public static async Task<CatalogueDatabase> CreateAsync(TestInfrastructure infrastructure, string prefix, TimeProvider clock)
    {
        var database = await ThrowawayDatabase.CreateAsync(infrastructure, prefix);
        var services = new ServiceCollection()
            .AddLogging()
            .AddSingleton(TimeProvider.System)
            .AddDbContext<CatalogueDbContext>(options => options.UseNpgsql(database.ConnectionString).UseSnakeCaseNamingConvention())
            .AddSingleton(Options.Create(new NodeOptions { Id = "dept-a" }))
            .AddSingleton(new CommonLexemes(clock))
            .AddSingleton<SearchStatistics>()
            .AddSingleton<AnnouncementSignal>()
            .AddSingleton(Options.Create(new SecrecyReviewOptions()))
            .AddScoped<RecordIngestion>()
            .BuildServiceProvider();
        await using var scope = services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<CatalogueDbContext>().Database.MigrateAsync();
        return new CatalogueDatabase(database, services);
    }

    public async ValueTask DisposeAsync()
    {
        await Services.DisposeAsync();
        await Database.DisposeAsync();
    }
}
