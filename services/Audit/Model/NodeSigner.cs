using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace Platform.Audit.Model;

/// <summary>
/// Signs export manifests and checkpoints with the node's ECDSA P-256 key, kept in the file <c>Audit:SigningKeyPath</c>
/// (mode 600, created on first start) and never in the database, so whoever can write the database cannot sign.
/// The private key never leaves this class: callers get signatures and the public key.
/// </summary>
public sealed class NodeSigner(IOptions<AuditOptions> options, IHostEnvironment environment) : IDisposable
{
    private readonly Lazy<ECDsa> _key = new(() => SigningKeyFile.LoadOrCreate(SigningKeyFile.FullPath(options.Value, environment)));

    public string KeyId => KeyIdOf(PublicKeyPem);

    public string PublicKeyPem => _key.Value.ExportSubjectPublicKeyInfoPem();

    /// <summary>ECDSA P-256 over SHA-256, DER-encoded: what <c>openssl dgst -sha256 -verify</c> expects.</summary>
    public Task<byte[]> SignAsync(byte[] data, CancellationToken cancellationToken) =>
        Task.FromResult(_key.Value.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence));

    public Task<(string KeyId, string PublicKeyPem)> PublicKeyAsync(CancellationToken cancellationToken) =>
        Task.FromResult((KeyId, PublicKeyPem));

    /// <summary>Checks a peer's signature made with <paramref name="publicKeyPem"/>.</summary>
    public static bool Verify(string publicKeyPem, byte[] data, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    /// <summary>First 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo, DER).</summary>
    public static string KeyIdOf(string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public void Dispose()
    {
        if (_key.IsValueCreated) _key.Value.Dispose();
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
