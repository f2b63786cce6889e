using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>Lets <c>dotnet ef migrations add</c> build a service's context without starting the service.</summary>
public abstract class DesignTimeFactory<TContext> : IDesignTimeDbContextFactory<TContext>
    where TContext : DbContext
{
    public TContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<TContext>()
            .UseNpgsql("Host=127.0.0.1;Database=design_time")
            .UseSnakeCaseNamingConvention()
            .Options;
        return (TContext)Activator.CreateInstance(typeof(TContext), options)!;
    }
}
