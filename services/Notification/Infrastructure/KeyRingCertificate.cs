using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Platform.ServiceDefaults;

namespace Platform.Notification.Infrastructure;

/// <summary>
/// The certificate that encrypts the Data Protection key ring (which protects webhook secrets) before it is stored in
/// the database: a self-signed RSA certificate and its private key in one PEM file (<c>Notification:KeyRingCertificatePath</c>,
/// mode 600), created on first start. A copy of the database without this file cannot decrypt a webhook secret.
/// </summary>
public static class KeyRingCertificate
{
    public const string Setting = "Notification:KeyRingCertificatePath";

    public static X509Certificate2 LoadOrCreate(string path)
    {
        if (!File.Exists(path)) SecretFile.TryCreate(path, NewPem());
        try
        {
            return X509Certificate2.CreateFromPemFile(path, path);
        }
        catch (CryptographicException ex)
        {
            throw new InvalidOperationException($"{Setting} '{path}' does not hold a PEM certificate with its RSA private key.", ex);
        }
    }

    private static string NewPem()
    {
        using var rsa = RSA.Create(3072);
        var request = new CertificateRequest("CN=Data Protection key ring of the notification service", rsa, HashAlgorithmName.SHA256,
            RSASignaturePadding.Pkcs1);
        // Decryption ignores the validity period; a long one only keeps tools that look at it from complaining.
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(100));
        return certificate.ExportCertificatePem() + "\n" + rsa.ExportPkcs8PrivateKeyPem() + "\n";
    }
}
