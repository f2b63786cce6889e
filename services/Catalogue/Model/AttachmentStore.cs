using System.Security.Cryptography;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;

namespace Platform.Catalogue.Model;

/// <summary>
/// Content-addressed file store on a local folder: bytes are streamed to a temporary file while their SHA-256
/// is computed, then moved to <c>{root}/{hash[0..2]}/{hash}</c>; identical files are kept once.
/// </summary>
public sealed class AttachmentStore(IOptions<AttachmentOptions> options, IOptions<NodeOptions> node, IHostEnvironment environment)
{
    public string Root { get; } = System.IO.Path.GetFullPath(
        options.Value.Path is { Length: > 0 } path ? path : System.IO.Path.Combine("attachments", node.Value.Id),
        environment.ContentRootPath);

    public string PathOf(string sha256) => System.IO.Path.Combine(Root, sha256[..2], sha256);

    /// <summary>Outcome of streaming an upload: the stored file's hash, size and type, or why it was refused.</summary>
    public sealed record Stored(string? Sha256, long Size, string? ContentType, string? Error, int Status);

    /// <summary>
    /// Streams <paramref name="body"/> into the store. Nothing is kept when the file is too large, of an unknown
    /// type, of another type than <paramref name="declaredContentType"/>, or its hash is not <paramref name="expectedSha256"/>.
    /// </summary>
    public async Task<Stored> SaveAsync(Stream body, long maxBytes, string? declaredContentType, string? expectedSha256, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Root);
        var temporary = System.IO.Path.Combine(Root, $".upload-{Guid.NewGuid():N}");
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var head = new byte[AttachmentTypes.HeadLength];
            var headLength = 0;
            long size = 0;
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
                {
                    size += read;
                    if (size > maxBytes)
                    {
                        return new Stored(null, size, null, $"The file is larger than the limit of {maxBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
                    }
                    if (headLength < head.Length)
                    {
                        var take = Math.Min(head.Length - headLength, read);
                        buffer.AsSpan(0, take).CopyTo(head.AsSpan(headLength));
                        headLength += take;
                    }
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
                }
            }
            if (size == 0)
            {
                return new Stored(null, 0, null, "The file is empty.", StatusCodes.Status400BadRequest);
            }
            if (AttachmentTypes.Detect(head.AsSpan(0, headLength)) is not { } type)
            {
                return new Stored(null, size, null, $"The file is not one of the accepted types ({AttachmentTypes.Accepted}) judging by its first bytes.", StatusCodes.Status415UnsupportedMediaType);
            }
            if (type.ContentType == AttachmentTypes.OfdContentType && !IsOfdPackage(temporary))
            {
                return new Stored(null, size, null, $"The file is a zip without OFD.xml at its root, so not an OFD document; the accepted types are {AttachmentTypes.Accepted}.", StatusCodes.Status415UnsupportedMediaType);
            }

            if (declaredContentType is { Length: > 0 } declared && declared != "application/octet-stream"
                && !string.Equals(declared, type.ContentType, StringComparison.OrdinalIgnoreCase))
            {
                return new Stored(null, size, null, $"The file was declared {declared} but its content is {type.Name} ({type.ContentType}).", StatusCodes.Status415UnsupportedMediaType);
            }
            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (expectedSha256 is not null && !string.Equals(expectedSha256, sha256, StringComparison.OrdinalIgnoreCase))
            {
                return new Stored(null, size, null, $"The received {size} bytes have SHA-256 {sha256}, not the declared {expectedSha256.ToLowerInvariant()}: the upload is incomplete or altered.", StatusCodes.Status422UnprocessableEntity);
            }
            var target = PathOf(sha256);
            if (File.Exists(target))
            {
                File.Delete(temporary);
            }
            else
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Move(temporary, target, overwrite: true);
            }
            return new Stored(sha256, size, type.ContentType, null, StatusCodes.Status200OK);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static bool IsOfdPackage(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return AttachmentTypes.IsOfdPackage(file);
    }

    /// <summary>Recomputes the stored file's SHA-256; null when the file is missing.</summary>
    public async Task<string?> HashAsync(string sha256, CancellationToken cancellationToken)
    {
        var path = PathOf(sha256);
        if (!File.Exists(path)) return null;
        await using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: true);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(file, cancellationToken));
    }
}
