using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// The node key: an RSA key of this department's sharing service (Sharing:NodeKeyPath, PEM, created mode 600 on
/// first start). It signs grants and the proofs this node presents when fetching content, and its public half is
/// announced in the node directory. It is deliberately not the gateway's token key: tokens stay node-local, and
/// either key can be rotated without touching the other.
/// </summary>
public sealed partial class NodeKey
{
    private const int KeySize = 2048;

    public NodeKey(IOptions<SharingOptions> options, IHostEnvironment environment, ILogger<NodeKey> logger)
    {
        var rsa = options.Value.NodeKeyPath is { Length: > 0 } path
            ? LoadOrCreate(Path.GetFullPath(path, environment.ContentRootPath), logger)
            : Ephemeral(logger);
        Key = new RsaSecurityKey(rsa);
        KeyId = Base64UrlEncoder.Encode(Key.ComputeJwkThumbprint());
        Key.KeyId = KeyId;
        Credentials = new SigningCredentials(Key, SecurityAlgorithms.RsaSha256);
        var parameters = rsa.ExportParameters(false);
        PublicJwk = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["kty"] = "RSA",
            ["kid"] = KeyId,
            ["use"] = "sig",
            ["alg"] = SecurityAlgorithms.RsaSha256,
            ["n"] = Base64UrlEncoder.Encode(parameters.Modulus),
            ["e"] = Base64UrlEncoder.Encode(parameters.Exponent),
        });
    }

    public RsaSecurityKey Key { get; }
    public string KeyId { get; }
    public SigningCredentials Credentials { get; }
    public string PublicJwk { get; }

    public static SecurityKey FromJwk(string jwk) => new JsonWebKey(jwk);

    private static RSA LoadOrCreate(string path, ILogger logger)
    {
        if (!File.Exists(path))
        {
            try
            {
                var folder = Path.GetDirectoryName(path)!;
                var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
                if (!OperatingSystem.IsWindows())
                {
                    Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                    file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
                }
                else
                {
                    Directory.CreateDirectory(folder);
                }
                using var created = RSA.Create(KeySize);
                using var writer = new StreamWriter(path, file);
                writer.Write(created.ExportPkcs8PrivateKeyPem());
                LogCreated(logger, path);
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another replica of this service wrote it first: use theirs.
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
            throw new InvalidOperationException($"Sharing:NodeKeyPath '{path}' does not hold a PEM RSA private key.", ex);
        }
        if (rsa.KeySize < KeySize)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"Sharing:NodeKeyPath '{path}' holds a {rsa.KeySize}-bit key; at least {KeySize} bits are required.");
        }
        return rsa;
    }

    private static RSA Ephemeral(ILogger logger)
    {
        LogEphemeral(logger);
        return RSA.Create(KeySize);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the node key at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sharing:NodeKeyPath is not set: signing grants with an ephemeral key; grants become invalid when the service restarts")]
    private static partial void LogEphemeral(ILogger logger);
}
