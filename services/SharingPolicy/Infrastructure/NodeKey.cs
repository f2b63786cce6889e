using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;
using Platform.ServiceDefaults;

namespace Platform.SharingPolicy.Infrastructure;

/// <summary>
/// The node key: an RSA key of this department's sharing service (Sharing:NodeKeyPath, PEM, created mode 600 on
/// first start). It signs grants and the proofs this node presents when fetching content, and its public half is
/// announced in the node directory. It is deliberately not the gateway's token key: tokens stay node-local, and
/// either key can be rotated without touching the other.
/// </summary>
public sealed partial class NodeKey
{
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
        var (rsa, created) = RsaKeyFile.LoadOrCreate(path, "Sharing:NodeKeyPath");
        if (created) LogCreated(logger, path);
        return rsa;
    }

    private static RSA Ephemeral(ILogger logger)
    {
        LogEphemeral(logger);
        return RSA.Create(RsaKeyFile.MinimumKeySize);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Created the node key at {Path}")]
    private static partial void LogCreated(ILogger logger, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sharing:NodeKeyPath is not set: signing grants with an ephemeral key; grants become invalid when the service restarts")]
    private static partial void LogEphemeral(ILogger logger);
}
