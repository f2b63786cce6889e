using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using OpenIddict.Server;

namespace Platform.Gateway.Auth;

/// <summary>
/// The node's token signing key: an RSA key in the PEM file <c>Auth:SigningKeyPath</c>, created (mode 600) on first start,
/// so tokens stay valid across restarts; without a path, an ephemeral key that lives as long as the process.
/// </summary>
internal sealed partial class SigningKeyConfiguration(IConfiguration configuration, IHostEnvironment environment, ILogger<SigningKeyConfiguration> logger)
    : IConfigureOptions<OpenIddictServerOptions>
{
    private const int KeySize = 2048;

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
        if (!File.Exists(path))
        {
            try
            {
                Create(path);
                LogCreated(logger, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another gateway process of this node wrote it first: use theirs.
            }
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"Auth:SigningKeyPath '{path}' does not hold a PEM RSA private key.", ex);
        }
        if (rsa.KeySize < KeySize)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"Auth:SigningKeyPath '{path}' holds a {rsa.KeySize}-bit RSA key; at least {KeySize} bits are required.");
        }
        LogLoaded(logger, path);
        return rsa;
    }

    private static void Create(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var rsa = RSA.Create(KeySize);
        using var writer = new StreamWriter(path, file);
        writer.Write(rsa.ExportPkcs8PrivateKeyPem());
    }

    private RSA CreateEphemeral()
    {
        LogEphemeral(logger);
        return RSA.Create(KeySize);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the node's token signing key at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Information, Message = "Loaded the node's token signing key from {Path}")]
    private static partial void LogLoaded(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Auth:SigningKeyPath is not set: signing tokens with an ephemeral key; tokens become invalid when the gateway restarts")]
    private static partial void LogEphemeral(ILogger logger);
}
