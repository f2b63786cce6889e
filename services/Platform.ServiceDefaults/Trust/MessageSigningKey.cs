using Microsoft.Extensions.Options;
using Org.BouncyCastle.Crypto.Parameters;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// The key this node signs crossing messages with: its SM2 message key (Trust:MessageKeyFile, Trust:MessageKeyId) if
/// the authority enrolled one, otherwise its ES256 node key. Grants and proofs always use the ES256 key (JOSE has no SM2).
/// </summary>
public sealed class MessageSigningKey
{
    private readonly NodeSigningKey _nodeKey;
    private readonly Lazy<(ECPrivateKeyParameters Key, string KeyId)?> _sm2;

    public MessageSigningKey(NodeSigningKey nodeKey, IOptions<TrustOptions> options)
    {
        _nodeKey = nodeKey;
        // Loaded on first use, as the node key is.
        _sm2 = new Lazy<(ECPrivateKeyParameters, string)?>(() => LoadSm2(options.Value));
    }

    public string KeyId => _sm2.Value?.KeyId ?? _nodeKey.KeyId;

    public string Algorithm => _sm2.Value is null ? NodeKeyAlgorithms.Es256 : NodeKeyAlgorithms.Sm2;

    public byte[] Sign(ReadOnlySpan<byte> data) => _sm2.Value is { } sm2 ? Sm2Signatures.Sign(sm2.Key, data) : _nodeKey.Sign(data);

    private static (ECPrivateKeyParameters, string)? LoadSm2(TrustOptions options)
    {
        var hasFile = options.MessageKeyFile is { Length: > 0 };
        var hasId = options.MessageKeyId is { Length: > 0 };
        if (hasFile != hasId)
        {
            throw new InvalidOperationException("Trust:MessageKeyFile and Trust:MessageKeyId go together (see `platform authority enrol --message-algorithm SM2`).");
        }
        return hasFile ? (Sm2Signatures.PrivateKeyFromPem(File.ReadAllText(options.MessageKeyFile!)), options.MessageKeyId!) : null;
    }
}
