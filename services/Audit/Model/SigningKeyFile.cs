using System.Security.Cryptography;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using Platform.Audit.Infrastructure;
using Platform.ServiceDefaults;

namespace Platform.Audit.Model;

/// <summary>
/// The node's checkpoint signing key file (<c>Audit:SigningKeyPath</c>, ECDSA P-256, PKCS#8 PEM, mode 600), and the
/// one-time move of a key that earlier versions kept in the audit database (table <c>node_signing_keys</c>).
/// </summary>
public static partial class SigningKeyFile
{
    public const string Setting = "Audit:SigningKeyPath";

    public static string FullPath(AuditOptions options, IHostEnvironment environment) =>
        Path.GetFullPath(options.SigningKeyPath, environment.ContentRootPath);

    public static ECDsa LoadOrCreate(string path)
    {
        if (!File.Exists(path))
        {
            using var fresh = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            SecretFile.TryCreate(path, fresh.ExportPkcs8PrivateKeyPem());
        }
        var key = ECDsa.Create();
        try
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        catch (ArgumentException ex)
        {
            key.Dispose();
            throw new InvalidOperationException($"{Setting} '{path}' does not hold a PEM ECDSA private key.", ex);
        }
        return key;
    }

    /// <summary>
    /// Runs as the database owner before the migrations (the one that drops <c>node_signing_keys</c> refuses while it
    /// holds a key): writes a key still in the database to <paramref name="path"/> and deletes it there. A different
    /// key already in the file is not overwritten: start-up stops and says which two keys conflict.
    /// </summary>
    public static async Task MoveOutOfDatabaseAsync(AuditDbContext db, string path, ILogger logger, CancellationToken cancellationToken)
    {
        await db.Database.OpenConnectionAsync(cancellationToken);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('node_signing_keys') IS NOT NULL", connection))
        {
            if (await exists.ExecuteScalarAsync(cancellationToken) is not true) return;
        }

        string? stored;
        await using (var read = new NpgsqlCommand("SELECT private_key_pem FROM node_signing_keys WHERE id = 1", connection))
        {
            stored = await read.ExecuteScalarAsync(cancellationToken) as string;
        }
        if (stored is null) return;

        using var databaseKey = ECDsa.Create();
        databaseKey.ImportFromPem(stored);
        if (!SecretFile.TryCreate(path, stored))
        {
            using var fileKey = LoadOrCreate(path);
            if (!fileKey.ExportSubjectPublicKeyInfo().AsSpan().SequenceEqual(databaseKey.ExportSubjectPublicKeyInfo()))
            {
                throw new InvalidOperationException(
                    $"The audit database still holds a checkpoint signing key (node_signing_keys, key {KeyIdOf(databaseKey)}), and {Setting} " +
                    $"'{path}' holds a different one (key {KeyIdOf(fileKey)}). Peers pinned the database's key: move that file away and " +
                    "restart to move the database's key into it, or delete the row in node_signing_keys to keep the file's key (see docs/SECURITY.md).");
            }
        }
        await using (var delete = new NpgsqlCommand("DELETE FROM node_signing_keys", connection))
        {
            await delete.ExecuteNonQueryAsync(cancellationToken);
        }
        LogMoved(logger, KeyIdOf(databaseKey), path);
    }

    private static string KeyIdOf(ECDsa key) => NodeSigner.KeyIdOf(key.ExportSubjectPublicKeyInfoPem());

    [LoggerMessage(Level = LogLevel.Warning, Message = "Moved the checkpoint signing key {KeyId} out of the audit database into {Path}")]
    private static partial void LogMoved(ILogger logger, string keyId, string path);
}
