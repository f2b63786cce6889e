namespace Platform.ServiceDefaults;

/// <summary>A secret kept in a file readable by its owner only (folder 700, file 600), written once and never replaced.</summary>
public static class SecretFile
{
    /// <summary>
    /// Writes <paramref name="text"/> to <paramref name="path"/> if no file is there yet; returns false when one already
    /// was (another process of the node may have written it first: callers then read theirs).
    /// </summary>
    public static bool TryCreate(string path, string text)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(path))!;
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
        try
        {
            using var writer = new StreamWriter(path, file);
            writer.Write(text);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            return false;
        }
    }
}
