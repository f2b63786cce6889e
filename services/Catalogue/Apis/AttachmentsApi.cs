using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Apis;

/// <summary>
/// Digitised files of this department's records. Upload is the raw file as the request body (no multipart),
/// streamed to disk while hashed: <c>Content-Type</c> the file's type, the name in <c>Content-Disposition:
/// attachment; filename*=UTF-8''…</c> or <c>?fileName=</c>, and optionally its SHA-256 in <c>X-Content-SHA256</c>
/// (hex) or <c>Content-Digest: sha-256=:…:</c> (RFC 9530), checked before anything is kept.
/// </summary>
public static partial class AttachmentsApi
{
    public static IEndpointRouteBuilder MapAttachmentsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalogue/records/{id:guid}/attachments").WithTags("Attachments");
        api.MapPost("/", Upload)
            .RequireAuthorization(Roles.Publisher)
            .Accepts<Stream>("application/pdf", "image/tiff", "image/jpeg", "image/png", "application/ofd", "application/octet-stream")
            .WithSummary("Upload one digitised file (PDF, TIFF, JPEG, PNG, OFD) as the raw body; SHA-256 recorded and, if declared, checked.");
        api.MapGet("/", List).WithSummary("The record's attachments.");
        api.MapGet("/{attachmentId:guid}", Download).WithSummary("Download an attachment; the Repr-Digest header carries its SHA-256.");
        api.MapGet("/{attachmentId:guid}/verify", Verify)
            .RequireAuthorization(Roles.Auditor)
            .RequireRateLimiting(VerificationRateLimit.Policy)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .WithSummary("Recompute the stored file's SHA-256 and compare it with the recorded one (auditors; a few a minute per client).");
        return app;
    }

    internal static async Task<Results<Created<AttachmentView>, NotFound, ValidationProblem, ProblemHttpResult>> Upload(
        Guid id, string? fileName, HttpRequest request, CatalogueDbContext db, AttachmentStore store, IOptions<AttachmentOptions> options,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!await db.Records.AnyAsync(r => r.Id == id && r.Status == RecordStatus.Active, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        var max = options.Value.MaxBytes;
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = max + 1;
        }
        if (request.ContentLength > max)
        {
            return Problem(StatusCodes.Status413PayloadTooLarge, "The file is too large", $"The file is {request.ContentLength} bytes; the limit is {max}.");
        }
        var name = FileNameOf(request, fileName);
        if (name is null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["fileName"] = ["Name the file in Content-Disposition (filename or filename*) or ?fileName=."] });
        }
        var expected = DeclaredSha256(request, out var digestError);
        if (digestError is not null)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["sha256"] = [digestError] });
        }

        AttachmentStore.Stored stored;
        try
        {
            var declared = MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) ? mediaType.MediaType.Value : null;
            stored = await store.SaveAsync(request.Body, max, declared, expected, cancellationToken);
        }
        catch (BadHttpRequestException ex)
        {
            // The body ended before its declared Content-Length (client gone) or exceeded the server's limit.
            return Problem(ex.StatusCode, "The upload did not complete", ex.Message);
        }
        if (stored.Error is not null)
        {
            return Problem(stored.Status, "The file was not accepted", stored.Error);
        }

        var attachment = new Attachment
        {
            Id = Guid.CreateVersion7(),
            RecordId = id,
            FileName = name,
            ContentType = stored.ContentType!,
            Size = stored.Size,
            Sha256 = stored.Sha256!,
            CreatedAt = clock.GetUtcNow(),
        };
        db.Attachments.Add(attachment);
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/catalogue/records/{id}/attachments/{attachment.Id}", AttachmentView.From(attachment));
    }

    internal static async Task<Results<Ok<AttachmentView[]>, NotFound>> List(Guid id, CatalogueDbContext db, CancellationToken cancellationToken)
    {
        if (!await db.Records.AnyAsync(r => r.Id == id, cancellationToken))
        {
            return TypedResults.NotFound();
        }
        var attachments = await db.Attachments.AsNoTracking().Where(a => a.RecordId == id).OrderBy(a => a.CreatedAt).ToListAsync(cancellationToken);
        return TypedResults.Ok(attachments.Select(AttachmentView.From).ToArray());
    }

    internal static async Task<Results<PhysicalFileHttpResult, NotFound>> Download(
        Guid id, Guid attachmentId, HttpResponse response, CatalogueDbContext db, AttachmentStore store, CancellationToken cancellationToken)
    {
        var attachment = await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId && a.RecordId == id, cancellationToken);
        if (attachment is null || !File.Exists(store.PathOf(attachment.Sha256)))
        {
            return TypedResults.NotFound();
        }
        response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(attachment.Sha256))}:";
        response.Headers["X-Content-SHA256"] = attachment.Sha256;
        return TypedResults.PhysicalFile(store.PathOf(attachment.Sha256), attachment.ContentType, attachment.FileName, enableRangeProcessing: true);
    }

    internal static async Task<Results<Ok<AttachmentVerification>, NotFound>> Verify(
        Guid id, Guid attachmentId, CatalogueDbContext db, AttachmentStore store, CancellationToken cancellationToken)
    {
        var attachment = await db.Attachments.AsNoTracking().SingleOrDefaultAsync(a => a.Id == attachmentId && a.RecordId == id, cancellationToken);
        if (attachment is null)
        {
            return TypedResults.NotFound();
        }
        var actual = await store.HashAsync(attachment.Sha256, cancellationToken);
        return TypedResults.Ok(new AttachmentVerification(attachment.Id, actual == attachment.Sha256, attachment.Sha256, actual));
    }

    private static string? FileNameOf(HttpRequest request, string? fileName)
    {
        var name = fileName;
        if (name is null && ContentDispositionHeaderValue.TryParse(request.Headers.ContentDisposition.ToString(), out var disposition))
        {
            name = disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
        }
        name = name is null ? null : Path.GetFileName(name.Replace('\\', '/')).Trim();
        return string.IsNullOrEmpty(name) || name.Length > 255 ? null : name;
    }

    private static string? DeclaredSha256(HttpRequest request, out string? error)
    {
        error = null;
        if (request.Headers["X-Content-SHA256"].ToString() is { Length: > 0 } hex)
        {
            if (Sha256Hex().IsMatch(hex)) return hex.ToLowerInvariant();
            error = "X-Content-SHA256 must be 64 hexadecimal characters.";
            return null;
        }
        if (request.Headers["Content-Digest"].ToString() is { Length: > 0 } digest)
        {
            var match = ContentDigestSha256().Match(digest);
            if (match.Success)
            {
                try
                {
                    var bytes = Convert.FromBase64String(match.Groups[1].Value);
                    if (bytes.Length == 32) return Convert.ToHexStringLower(bytes);
                }
                catch (FormatException)
                {
                }
            }
            error = "Content-Digest must carry sha-256=:<base64 of 32 bytes>:.";
        }
        return null;
    }

    private static ProblemHttpResult Problem(int status, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: status, title: title);

    [GeneratedRegex("^[0-9a-fA-F]{64}$")]
    private static partial Regex Sha256Hex();

    [GeneratedRegex(@"sha-256=:([A-Za-z0-9+/=]+):", RegexOptions.IgnoreCase)]
    private static partial Regex ContentDigestSha256();
}

/// <summary>An attachment as the API shows it.</summary>
public sealed record AttachmentView(Guid Id, Guid RecordId, string FileName, string ContentType, long Size, string Sha256, DateTimeOffset CreatedAt)
{
    public static AttachmentView From(Attachment a) => new(a.Id, a.RecordId, a.FileName, a.ContentType, a.Size, a.Sha256, a.CreatedAt);
}

/// <summary>Whether the stored bytes still have the recorded SHA-256 (<c>actual</c> is null when the file is missing).</summary>
public sealed record AttachmentVerification(Guid Id, bool Valid, string Recorded, string? Actual);
