using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;
using Platform.ServiceDefaults;

namespace Platform.Gateway.Auth;

/// <summary>
/// The node's token signing key: an RSA key in the PEM file <c>Auth:SigningKeyPath</c>, created (mode 600) on first start,
/// so tokens stay valid across restarts; without a path, an ephemeral key that lives as long as the process.
/// </summary>
internal sealed partial class SigningKeyConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger<SigningKeyConfiguration> logger)
    : IConfigureOptions<OpenIddictServerOptions>
{
    public void Configure(OpenIddictServerOptions options)
    {
        var rsa = configuration["Auth:SigningKeyPath"] is { Length: > 0 } path
            ? LoadOrCreate(Path.GetFullPath(path, environment.ContentRootPath))
            : CreateEphemeral();
        var key = new RsaSecurityKey(rsa);
        // A stable key id (the RFC 7638 thumbprint) lets services match tokens to the JWKS entry across restarts.
        key.KeyId = Base64UrlEncoder.Encode(key.ComputeJwkThumbprint());
        options.SigningCredentials.Add(new SigningCredentials(key, SecurityAlgorithms.RsaSha256));
    }

    private RSA LoadOrCreate(string path)
    {
        var (rsa, created) = RsaKeyFile.LoadOrCreate(path, "Auth:SigningKeyPath");
        if (created) LogCreated(logger, path);
        LogLoaded(logger, path);
        return rsa;
    }

    private RSA CreateEphemeral()
    {
        LogEphemeral(logger);
        return RSA.Create(RsaKeyFile.MinimumKeySize);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the node's token signing key at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the node's token signing key from {Path}")]
    private static partial void LogLoaded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:SigningKeyPath is not set: signing tokens with an ephemeral key; tokens become invalid when the gateway restarts")]
    private static partial void LogEphemeral(ILogger logger);
}
