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
            try
            {
                Create(path);
                created = true;
            }
            catch (IOException) when (File.Exists(path))
            {
                // Another process of this node wrote it first: use theirs.
            }
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

    private static void Create(string path)
    {
        var folder = Path.GetDirectoryName(path)!;
        var file = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            file.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using var rsa = RSA.Create(MinimumKeySize);
        using var writer = new StreamWriter(path, file);
        writer.Write(rsa.ExportPkcs8PrivateKeyPem());
    }
}
