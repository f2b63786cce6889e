using MassTransit;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;

namespace Platform.Catalogue.Apis;

/// <summary>
/// The owner's node-to-node endpoint for attachments under a grant, reached through the gateway's
/// <c>/peer/catalogue/**</c> route without a node token. The bytes come from this catalogue's store; whether the caller
/// may have them is decided (and audited) by this node's sharing service, which checks the grant and the caller's node
/// proof as for content (<c>AuthorizeGrantedAttachment</c> over the bus).
/// </summary>
public static class PeerAttachmentsApi
{
    public const string GrantHeader = "X-Platform-Grant";
    public const string ProofHeader = "X-Platform-Node-Proof";

    public static IEndpointRouteBuilder MapPeerAttachmentsApi(this IEndpointRouteBuilder app)
    {
        app.MapGet("/peer/grants/{id:guid}/attachments/{sha256}", Deliver).AllowAnonymous().WithTags("Node to node")
            .WithSummary($"An attachment of a granted record for another department's node: headers {GrantHeader} (the grant) and {ProofHeader} (a JWT signed with the caller's node key).");
        return app;
    }

    internal static async Task<Results<PhysicalFileHttpResult, ProblemHttpResult>> Deliver(Guid id, string sha256, HttpContext context, CatalogueDbContext db,
        AttachmentStore store, IRequestClient<AuthorizeGrantedAttachment> sharing, CancellationToken cancellationToken)
    {
        sha256 = sha256.ToLowerInvariant();
        var recordIds = await db.Attachments.AsNoTracking()
            .Where(a => a.Sha256 == sha256 && db.Records.Any(r => r.Id == a.RecordId && r.Status == RecordStatus.Active))
            .Select(a => a.RecordId).Distinct().ToListAsync(cancellationToken);
        var request = context.Request;
        var decision = (await sharing.GetResponse<GrantedAttachmentDecision>(new AuthorizeGrantedAttachment(id, request.Headers[GrantHeader].FirstOrDefault(),
            request.Headers[ProofHeader].FirstOrDefault(), sha256, recordIds,
            request.Headers["X-Forwarded-For"].FirstOrDefault() ?? context.Connection.RemoteIpAddress?.ToString()), cancellationToken)).Message;
        if (!decision.Allowed)
        {
            return TypedResults.Problem(decision.Refusal, statusCode: decision.Status, title: "Attachment refused");
        }
        var attachment = await db.Attachments.AsNoTracking().FirstAsync(a => a.RecordId == decision.RecordId && a.Sha256 == sha256, cancellationToken);
        if (!File.Exists(store.PathOf(attachment.Sha256)))
        {
            return TypedResults.Problem("The attachment's file is missing from the owner's store.", statusCode: StatusCodes.Status500InternalServerError, title: "Attachment missing");
        }
        context.Response.Headers["Repr-Digest"] = $"sha-256=:{Convert.ToBase64String(Convert.FromHexString(attachment.Sha256))}:";
        context.Response.Headers["X-Content-SHA256"] = attachment.Sha256;
        return TypedResults.PhysicalFile(store.PathOf(attachment.Sha256), attachment.ContentType, attachment.FileName, enableRangeProcessing: true);
    }
}
