using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Design;

namespace Platform.Gateway.Infrastructure;

/// <summary>Lets <c>dotnet ef migrations add</c> build the model without starting the gateway (no database is contacted).</summary>
internal sealed class GatewayDbContextFactory : IDesignTimeDbContextFactory<GatewayDbContext>
{
    public GatewayDbContext CreateDbContext(string[] args)
    {
        var options = new DbContextOptionsBuilder<GatewayDbContext>();
        GatewayDbContext.Configure(options, "Host=127.0.0.1;Database=gateway_design");
        return new GatewayDbContext(options.Options);
    }
}
