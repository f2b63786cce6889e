using System.Security.Cryptography;
using Microsoft.Extensions.Options;

namespace Platform.ServiceDefaults.Trust;

/// <summary>This node's private key (ECDSA P-256), as the authority enrolled it: signs grants and node proofs, and messages unless the node has an SM2 message key.</summary>
public sealed class NodeSigningKey
{
    private readonly Lazy<(ECDsa Key, string KeyId)> _key;

    public NodeSigningKey(IOptions<TrustOptions> options)
    {
        // Loaded on first use: the gateway hosts the bus too but never signs anything that crosses departments.
        _key = new Lazy<(ECDsa, string)>(() => Load(options.Value));
    }

    public ECDsa Key => _key.Value.Key;

    public string KeyId => _key.Value.KeyId;

    public byte[] Sign(ReadOnlySpan<byte> data) => Key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    private static (ECDsa, string) Load(TrustOptions options)
    {
        if (options.NodeKeyFile is not { Length: > 0 } path || options.NodeKeyId is not { Length: > 0 } keyId)
        {
            throw new InvalidOperationException("Trust:NodeKeyFile and Trust:NodeKeyId must be configured (see `platform authority enrol`).");
        }
        var key = ECDsa.Create();
        key.ImportFromPem(File.ReadAllText(path));
        return (key, keyId);
    }
}
