using System.Security.Cryptography;

namespace Platform.ServiceDefaults;

/// <summary>An RSA private key kept in a PEM file: created (folder 700, file 600) on first start, then reused.</summary>
public static class RsaKeyFile
{
    public const int MinimumKeySize = 2048;

    /// <summary>
    /// Loads the key at <paramref name="path"/>, creating it first if missing; <paramref name="setting"/> names the
    /// configuration key in error messages. <c>Created</c> tells whether this call wrote the file.
    /// </summary>
    public static (RSA Key, bool Created) LoadOrCreate(string path, string setting)
    {
        var created = false;
        if (!File.Exists(path))
        {
            using var fresh = RSA.Create(MinimumKeySize);
            created = SecretFile.TryCreate(path, fresh.ExportPkcs8PrivateKeyPem());
        }

        var rsa = RSA.Create();
        try
        {
            rsa.ImportFromPem(File.ReadAllText(path));
        }
        catch (ArgumentException ex)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{setting} '{path}' does not hold a PEM RSA private key.", ex);
        }
        if (rsa.KeySize < MinimumKeySize)
        {
            rsa.Dispose();
            throw new InvalidOperationException($"{setting} '{path}' holds a {rsa.KeySize}-bit RSA key; at least {MinimumKeySize} bits are required.");
        }
        return (rsa, created);
    }
}
