using System.Security.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Platform.Contracts;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// A directory key that checks message signatures the way its entry's <see cref="NodeKeyEntry.Algorithm"/> says: ES256
/// (.NET ECDSA, DER) or SM2 with SM3 (BouncyCastle). A signature of the other algorithm never verifies.
/// </summary>
public sealed class NodeVerificationKey
{
    private const string P256 = "1.2.840.10045.3.1.7";
    private readonly ECDsa? _es256;
    private readonly ECPublicKeyParameters? _sm2;

    private NodeVerificationKey(string algorithm, ECDsa? es256, ECPublicKeyParameters? sm2)
    {
        Algorithm = algorithm;
        _es256 = es256;
        _sm2 = sm2;
    }

    public string Algorithm { get; }

    /// <summary>The key <paramref name="entry"/> lists, or null if its algorithm is unknown or its key is not of that algorithm.</summary>
    public static NodeVerificationKey? From(NodeKeyEntry entry)
    {
        try
        {
            var spki = Convert.FromBase64String(entry.PublicKey);
            switch (entry.Algorithm)
            {
                case NodeKeyAlgorithms.Es256:
                    var ecdsa = ECDsa.Create();
                    ecdsa.ImportSubjectPublicKeyInfo(spki, out _);
                    if (ecdsa.ExportParameters(false).Curve.Oid?.Value == P256)
                    {
                        return new NodeVerificationKey(entry.Algorithm, ecdsa, null);
                    }
                    ecdsa.Dispose();
                    return null;
                case NodeKeyAlgorithms.Sm2:
                    return Sm2Signatures.PublicKeyFromSpki(spki) is { } sm2 ? new NodeVerificationKey(entry.Algorithm, null, sm2) : null;
                default:
                    return null;
            }
        }
        catch (Exception ex) when (ex is FormatException or CryptographicException or ArgumentException or InvalidCastException)
        {
            // The authority signed it, but a key that cannot be read verifies nothing.
            return null;
        }
    }

    public bool Verify(ReadOnlySpan<byte> data, byte[] signature) => _es256 is not null
        ? _es256.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence)
        : Sm2Signatures.Verify(_sm2!, data, signature);
}
