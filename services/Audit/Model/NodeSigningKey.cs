using System.Security.Cryptography;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Platform.Audit.Infrastructure;

namespace Platform.Audit.Model;

/// <summary>The node's ECDSA P-256 key that signs export manifests and checkpoints; one row, created on first use.</summary>
public sealed class NodeSigningKey
{
    public int Id { get; set; }

    /// <summary>First 16 hex digits of the SHA-256 of the public key (SubjectPublicKeyInfo, DER).</summary>
    public required string KeyId { get; set; }

    public required string PrivateKeyPem { get; set; }
    public required string PublicKeyPem { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>
/// Loads (or creates, once, even with several replicas starting together) the node's signing key from the audit database.
/// The private key never leaves this class: callers get signatures and the public key.
/// </summary>
public sealed class NodeSigner(IServiceScopeFactory scopes, TimeProvider clock) : IDisposable
{
    private readonly SemaphoreSlim _gate = new(1, 1);
    private ECDsa? _key;

    public string KeyId { get; private set; } = "";
    public string PublicKeyPem { get; private set; } = "";

    /// <summary>ECDSA P-256 over SHA-256, DER-encoded: what <c>openssl dgst -sha256 -verify</c> expects.</summary>
    public async Task<byte[]> SignAsync(byte[] data, CancellationToken cancellationToken)
    {
        var key = await KeyAsync(cancellationToken);
        return key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public async Task<(string KeyId, string PublicKeyPem)> PublicKeyAsync(CancellationToken cancellationToken)
    {
        await KeyAsync(cancellationToken);
        return (KeyId, PublicKeyPem);
    }

    private async Task<ECDsa> KeyAsync(CancellationToken cancellationToken)
    {
        if (_key is not null) return _key;
        await _gate.WaitAsync(cancellationToken);
        try
        {
            if (_key is not null) return _key;
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<AuditDbContext>();
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var publicDer = fresh.ExportSubjectPublicKeyInfo();
            await db.Database.ExecuteSqlAsync(
                $"""
                 INSERT INTO node_signing_keys (id, key_id, private_key_pem, public_key_pem, created_at)
                 VALUES (1, {Convert.ToHexStringLower(SHA256.HashData(publicDer))[..16]}, {fresh.ExportPkcs8PrivateKeyPem()},
                         {fresh.ExportSubjectPublicKeyInfoPem()}, {clock.GetUtcNow()})
                 ON CONFLICT (id) DO NOTHING
                 """, cancellationToken);
            var stored = await db.SigningKeys.AsNoTracking().SingleAsync(k => k.Id == 1, cancellationToken);
            var key = ECDsa.Create();
            key.ImportFromPem(stored.PrivateKeyPem);
            KeyId = stored.KeyId;
            PublicKeyPem = stored.PublicKeyPem;
            _key = key;
            return key;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Checks a peer's signature made with <paramref name="publicKeyPem"/>.</summary>
    public static bool Verify(string publicKeyPem, byte[] data, byte[] signature)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
    }

    public static string KeyIdOf(string publicKeyPem)
    {
        using var key = ECDsa.Create();
        key.ImportFromPem(publicKeyPem);
        return Convert.ToHexStringLower(SHA256.HashData(key.ExportSubjectPublicKeyInfo()))[..16];
    }

    public void Dispose()
    {
        _key?.Dispose();
        _gate.Dispose();
    }

    internal static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);
}
