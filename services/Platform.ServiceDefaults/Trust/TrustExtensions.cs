using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Platform.ServiceDefaults.Trust;

public static class TrustExtensions
{
    /// <summary>The node's key, the authority-signed directory and the checks every message from the exchange goes through.</summary>
    public static WebApplicationBuilder AddTrust(this WebApplicationBuilder builder, string serviceName)
    {
        builder.Services.AddOptions<TrustOptions>().Bind(builder.Configuration.GetSection(TrustOptions.Section));
        builder.Services.AddSingleton(new ServiceIdentity(serviceName));
        builder.Services.AddSingleton<NodeSigningKey>();
        builder.Services.AddSingleton<MessageSigningKey>();
        builder.Services.AddSingleton<NodeDirectory>();
        builder.Services.AddSingleton<ReplayGuard>();
        builder.Services.AddSingleton<MessageVerification>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
