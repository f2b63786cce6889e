using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Platform.ServiceDefaults;

/// <summary>
/// The host every process of a node starts from. It is ASP.NET Core's slim builder: configuration from
/// appsettings.json, environment variables and arguments, console logging, Kestrel for HTTP/1.1 and HTTP/2 (and
/// HTTPS when an endpoint asks for it). It leaves out what a node never uses and every process would otherwise load
/// at start-up: IIS integration, HTTP/3 (QUIC), hosting-startup assemblies (whose attribute scan loads MVC), regex
/// route constraints and the Debug and EventSource loggers (docs/MEMORY.md has the measured effect).
/// </summary>
public static class PlatformHost
{
    public static WebApplicationBuilder CreateBuilder(string[] args)
    {
        var builder = WebApplication.CreateSlimBuilder(args);
        builder.WebHost.UseKestrelHttpsConfiguration();
        return builder;
    }

    /// <summary>
    /// Authentication registers ASP.NET Core Data Protection, and with it a hosted service that reads (or creates)
    /// its key ring at start-up, which loads the XML stack. Only a process that protects data needs the key ring (the
    /// notification service, for webhook secrets, which registers Data Protection again and so keeps the warm-up).
    /// </summary>
    public static IServiceCollection WithoutDataProtectionWarmUp(this IServiceCollection services)
    {
        var warmUp = services.Where(d => d.ServiceType == typeof(IHostedService)
            && d.ImplementationType?.FullName == "Microsoft.AspNetCore.DataProtection.Internal.DataProtectionHostedService").ToList();
        foreach (var descriptor in warmUp)
        {
            services.Remove(descriptor);
        }
        return services;
    }
}
