namespace Platform.Authority;

/// <summary>Writes the authority's files: private keys readable by their owner only, every file replaced whole.</summary>
internal static class KeyFiles
{
    public static void WriteSecret(string path, string text) => Write(path, text, UnixFileMode.UserRead | UnixFileMode.UserWrite);

    public static void WritePublic(string path, string text) =>
        Write(path, text, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

    private static void Write(string path, string text, UnixFileMode mode)
    {
        var temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = mode;
        using (var stream = new FileStream(temporary, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(text);
        }
        // A reader sees the old file or the new one, never half of one.
        File.Move(temporary, path, overwrite: true);
    }
}
