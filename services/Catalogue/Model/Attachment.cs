using System.IO.Compression;

namespace Platform.Catalogue.Model;

/// <summary>A digitised file (PDF, TIFF, JPEG, PNG, OFD) attached to a record; its bytes are stored once per SHA-256.</summary>
public sealed class Attachment
{
    public Guid Id { get; set; }
    public Guid RecordId { get; set; }
    public required string FileName { get; set; }
    public required string ContentType { get; set; }
    public long Size { get; set; }

    /// <summary>SHA-256 of the bytes, lowercase hex; also the file's name in the attachment store.</summary>
    public required string Sha256 { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>Where and how large attachments may be (section <c>Catalogue:Attachments</c>).</summary>
public sealed class AttachmentOptions
{
    public const string Section = "Catalogue:Attachments";

    /// <summary>Folder of the content-addressed store; relative paths are under the content root. Default <c>attachments/{Node:Id}</c>.</summary>
    public string? Path { get; set; }

    /// <summary>Largest accepted file in bytes (default 200 MB). The gateway's own limit on uploads is 256 MB.</summary>
    public long MaxBytes { get; set; } = 200L * 1024 * 1024;

    /// <summary>On-demand verifications (each re-reads a whole file) one client may ask for per minute.</summary>
    public int VerificationsPerMinute { get; set; } = 5;
}

/// <summary>The file types accepted as attachments, recognised by their first bytes rather than by what the client claims.</summary>
public static class AttachmentTypes
{
    private static readonly (string ContentType, string Name, byte[] Magic)[] Known =
    [
        ("application/pdf", "PDF", "%PDF-"u8.ToArray()),
        ("image/tiff", "TIFF", [0x49, 0x49, 0x2A, 0x00]),
        ("image/tiff", "TIFF", [0x4D, 0x4D, 0x00, 0x2A]),
        ("image/jpeg", "JPEG", [0xFF, 0xD8, 0xFF]),
        ("image/png", "PNG", [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]),
        // A zip; only one that holds OFD.xml counts (IsOfdPackage).
        (OfdContentType, "OFD", [0x50, 0x4B, 0x03, 0x04]),
    ];

    public const string OfdContentType = "application/ofd";

    /// <summary>Bytes needed to recognise any known type.</summary>
    public const int HeadLength = 8;

    public const string Accepted = "PDF, TIFF, JPEG, PNG, OFD";

    public static (string ContentType, string Name)? Detect(ReadOnlySpan<byte> head)
    {
        foreach (var (contentType, name, magic) in Known)
        {
            if (head.StartsWith(magic)) return (contentType, name);
        }
        return null;
    }

    /// <summary>
    /// Whether <paramref name="file"/> is an OFD package (GB/T 33190): a zip whose root holds the entry file OFD.xml.
    /// Any other zip (or a broken one) is not.
    /// </summary>
    public static bool IsOfdPackage(Stream file)
    {
        try
        {
            using var zip = new ZipArchive(file, ZipArchiveMode.Read, leaveOpen: true);
            return zip.Entries.Any(e => e.FullName.Equals("OFD.xml", StringComparison.OrdinalIgnoreCase));
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }
}
