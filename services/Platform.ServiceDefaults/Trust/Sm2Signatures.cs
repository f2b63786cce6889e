using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Crypto.Signers;
using Org.BouncyCastle.Security;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// SM2 signatures with SM3 (BouncyCastle's <see cref="SM2Signer"/>: its default SM3 digest and default user id, DER
/// encoded), on keys of the curve sm2p256v1 only: .NET has no SM2, and another curve's key is not an SM2 key.
/// </summary>
internal static class Sm2Signatures
{
    private static readonly ECDomainParameters Curve = new(GMNamedCurves.GetByName("sm2p256v1"));

    public static byte[] Sign(ECPrivateKeyParameters key, ReadOnlySpan<byte> data)
    {
        var signer = new SM2Signer();
        signer.Init(true, new ParametersWithRandom(key, new SecureRandom()));
        signer.BlockUpdate(data);
        return signer.GenerateSignature();
    }

    public static bool Verify(ECPublicKeyParameters key, ReadOnlySpan<byte> data, byte[] signature)
    {
        var signer = new SM2Signer();
        signer.Init(false, key);
        signer.BlockUpdate(data);
        return signer.VerifySignature(signature);
    }

    /// <summary>The SM2 private key in a PKCS#8 PEM file's text.</summary>
    public static ECPrivateKeyParameters PrivateKeyFromPem(string pem)
    {
        var found = PemEncoding.Find(pem);
        if (pem[found.Label] is not "PRIVATE KEY")
        {
            throw new InvalidOperationException("An SM2 key file must hold a PKCS#8 PRIVATE KEY.");
        }
        var key = PrivateKeyFactory.CreateKey(Convert.FromBase64String(pem[found.Base64Data])) as ECPrivateKeyParameters;
        return key is not null && Curve.Equals(key.Parameters) ? key : throw new InvalidOperationException("The key file holds no SM2 (sm2p256v1) key.");
    }

    /// <summary>The SM2 public key in a SubjectPublicKeyInfo (DER), or null if it holds another kind of key.</summary>
    public static ECPublicKeyParameters? PublicKeyFromSpki(byte[] subjectPublicKeyInfo)
    {
        var key = PublicKeyFactory.CreateKey(subjectPublicKeyInfo) as ECPublicKeyParameters;
        return key is not null && Curve.Equals(key.Parameters) ? key : null;
    }
}
