using System.Security.Cryptography;
using Org.BouncyCastle.Asn1.GM;
using Org.BouncyCastle.Crypto.Generators;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Pkcs;
using Org.BouncyCastle.Security;
using Org.BouncyCastle.X509;

namespace Platform.Authority;

/// <summary>SM2 (curve sm2p256v1) message keys for nodes, made with BouncyCastle because .NET has no SM2.</summary>
internal static class Sm2KeyPair
{
    /// <summary>A new key: the private half as PKCS#8 PEM, the public half as SubjectPublicKeyInfo (DER, base64).</summary>
    public static (string PrivateKeyPem, string PublicKey) Generate()
    {
        var curve = new ECNamedDomainParameters(GMObjectIdentifiers.sm2p256v1, GMNamedCurves.GetByName("sm2p256v1"));
        var generator = new ECKeyPairGenerator();
        generator.Init(new ECKeyGenerationParameters(curve, new SecureRandom()));
        var pair = generator.GenerateKeyPair();
        var pkcs8 = PrivateKeyInfoFactory.CreatePrivateKeyInfo(pair.Private).GetDerEncoded();
        return (PemEncoding.WriteString("PRIVATE KEY", pkcs8), PublicKeyOf(pair.Public));
    }

    /// <summary>The public key (SubjectPublicKeyInfo, base64) of a PKCS#8 PEM SM2 private key.</summary>
    public static string PublicKeyOf(string privateKeyPem)
    {
        var found = PemEncoding.Find(privateKeyPem);
        var key = (ECPrivateKeyParameters)PrivateKeyFactory.CreateKey(Convert.FromBase64String(privateKeyPem[found.Base64Data]));
        var q = key.Parameters.G.Multiply(key.D).Normalize();
        var publicKey = key.Parameters is ECNamedDomainParameters named
            ? new ECPublicKeyParameters(q, named)
            : new ECPublicKeyParameters(q, key.Parameters);
        return PublicKeyOf(publicKey);
    }

    private static string PublicKeyOf(Org.BouncyCastle.Crypto.AsymmetricKeyParameter publicKey) =>
        Convert.ToBase64String(SubjectPublicKeyInfoFactory.CreateSubjectPublicKeyInfo(publicKey).GetDerEncoded());
}
