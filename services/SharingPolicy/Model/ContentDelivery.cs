using System.Text.Json;
using System.Text.Json.Nodes;
using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Trust;
using Platform.SharingPolicy.Infrastructure;

namespace Platform.SharingPolicy.Model;

/// <summary>Granted content as it leaves the owner: only the granted fields, masked per the grant.</summary>
public sealed record GrantedContent(
    Guid GrantId, Guid RecordId, string OwnerDepartment, string RequesterDepartment, int Version,
    IReadOnlyList<string> Fields, IReadOnlyList<string> MaskedFields, JsonObject Record, DateTimeOffset ExpiresAt, DateTimeOffset DeliveredAt)
{
    /// <summary>The record's attachments when the grant covers them (fields include <c>attachments</c>); fetch each by its SHA-256.</summary>
    public IReadOnlyList<RecordAttachment>? Attachments { get; init; }
}

/// <summary>The outcome of a fetch at the owner: content, or a refusal with its HTTP status and reason.</summary>
public sealed record DeliveryOutcome(GrantedContent? Content, int Status, string? Refusal);

/// <summary>
/// The owner's checks on a content fetch, in order: the grant is this node's signature (not forged), it is known and
/// neither revoked nor expired, the caller proves with its node key (from the authority-signed directory) that it is the
/// department the grant was issued to, and that proof has not been presented before. Then the record comes from this
/// node's catalogue, fields are cut and masked, and the delivery (or the refusal) is recorded for audit in the same
/// transaction as the grant's delivery counter.
/// </summary>
public sealed class ContentDelivery(SharingDbContext db, GrantTokens tokens, NodeDirectory directory, IRequestClient<GetRecordContent> catalogue,
    IRequestClient<GetRecordAttachments> catalogueAttachments, IOptions<NodeOptions> node, IOptions<SharingOptions> options, TimeProvider clock)
{
    private string Self => node.Value.Id;

    /// <summary>The checks every fetch under a grant passes (content or attachment); a refusal is already recorded for audit.</summary>
    private async Task<(Grant? Grant, string? Claimed, DeliveryOutcome? Refusal)> VerifyAsync(Guid grantId, string? grantToken, string? proof, string? remoteAddress,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(grantToken) || string.IsNullOrWhiteSpace(proof))
        {
            return (null, null, await DenyAsync(grantId, null, $"Both {GrantTokens.GrantHeader} and {GrantTokens.ProofHeader} are required.", remoteAddress, StatusCodes.Status401Unauthorized, cancellationToken));
        }
        var claimed = GrantTokens.ClaimedIssuer(proof);
        var (valid, token) = await tokens.ValidateGrantAsync(grantToken, Self);
        if (!valid || token is null || token.Id != grantId.ToString())
        {
            return (null, null, await DenyAsync(grantId, claimed, "The grant is not one this department signed (forged or altered).", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        var grant = await db.Grants.SingleOrDefaultAsync(g => g.Id == grantId && g.Direction == Grant.Issued, cancellationToken);
        if (grant is null)
        {
            return (null, null, await DenyAsync(grantId, claimed, "This department has no record of the grant.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        if (grant.RevokedAt is not null)
        {
            return (null, null, await DenyAsync(grantId, claimed, $"The grant was revoked at {grant.RevokedAt:u}: {grant.RevokeReason}", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        if (now >= grant.ExpiresAt)
        {
            return (null, null, await DenyAsync(grantId, claimed, $"The grant expired at {grant.ExpiresAt:u}.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        if (claimed is null || directory.Find(claimed) is null)
        {
            return (null, null, await DenyAsync(grantId, claimed, $"The caller's node ({claimed ?? "unnamed"}) is not in the node directory.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        var (proven, proofToken) = await tokens.ValidateProofAsync(proof, claimed, Self, options.Value.ProofLifetime);
        if (!proven || proofToken is null || !proofToken.TryGetPayloadValue<string>("grant", out var provenGrant) || provenGrant != grantId.ToString())
        {
            return (null, null, await DenyAsync(grantId, claimed, $"The caller could not prove it is {claimed}'s node.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        if (claimed != grant.RequesterDepartment)
        {
            return (null, null, await DenyAsync(grantId, claimed, $"The grant was issued to {grant.RequesterDepartment}, not to {claimed}.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        // Remembered until the proof could no longer pass the lifetime check (its exp plus the clock skew allowed).
        var forgetAt = new DateTimeOffset(proofToken.ValidTo, TimeSpan.Zero) + GrantTokens.ProofClockSkew;
        if (!await UsedNodeProof.TryUseAsync(db, $"{claimed}/{proofToken.Id}", forgetAt, now, cancellationToken))
        {
            return (null, null, await DenyAsync(grantId, claimed, "Node proof already used: every fetch needs a fresh proof.", remoteAddress, StatusCodes.Status403Forbidden, cancellationToken));
        }
        return (grant, claimed, null);
    }

    public async Task<DeliveryOutcome> DeliverAsync(Guid grantId, string? grantToken, string? proof, string? remoteAddress, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (grant, claimed, refusal) = await VerifyAsync(grantId, grantToken, proof, remoteAddress, now, cancellationToken);
        if (grant is null)
        {
            return refusal!;
        }

        var response = await catalogue.GetResponse<RecordContent>(new GetRecordContent(grant.RecordId), cancellationToken, RequestTimeout.After(s: 15));
        if (!response.Message.Found || response.Message.Metadata is null)
        {
            return await DenyAsync(grantId, claimed, "The record has been withdrawn.", remoteAddress, StatusCodes.Status410Gone, cancellationToken);
        }
        var metadata = JsonSerializer.SerializeToNode(response.Message.Metadata, JsonSerializerOptions.Web)!.AsObject();
        var record = Masking.Project(metadata, grant.Fields, grant.Masks);
        var masked = grant.Masks.Keys.Where(grant.Fields.Contains).ToList();
        IReadOnlyList<RecordAttachment>? attachments = null;
        if (grant.Fields.Contains(RecordFields.Attachments))
        {
            attachments = (await catalogueAttachments.GetResponse<RecordAttachments>(new GetRecordAttachments(grant.RecordId), cancellationToken, RequestTimeout.After(s: 15))).Message.Attachments;
        }
        grant.Deliveries++;
        db.Publish(new ContentDelivered(grant.Id, grant.RecordId, Self, grant.RequesterDepartment, Self, "owner", grant.Fields, masked, now));
        await db.SaveChangesAsync(cancellationToken);
        return new DeliveryOutcome(
            new GrantedContent(grant.Id, grant.RecordId, Self, grant.RequesterDepartment, response.Message.Version, grant.Fields, masked, record, grant.ExpiresAt, now)
            {
                Attachments = attachments,
            },
            StatusCodes.Status200OK, null);
    }

    /// <summary>
    /// The owner's catalogue asks whether it may stream an attachment under a grant: the same checks as for content, then
    /// the grant must cover attachments and its record must have the file. The delivery or refusal is recorded for audit.
    /// </summary>
    public async Task<GrantedAttachmentDecision> AuthorizeAttachmentAsync(AuthorizeGrantedAttachment request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var (grant, claimed, refusal) = await VerifyAsync(request.GrantId, request.GrantToken, request.Proof, request.RemoteAddress, now, cancellationToken);
        if (grant is null)
        {
            return new GrantedAttachmentDecision(false, null, refusal!.Status, refusal.Refusal);
        }
        var denied = !grant.Fields.Contains(RecordFields.Attachments)
            ? await DenyAsync(grant.Id, claimed, "The grant does not cover the record's attachments.", request.RemoteAddress, StatusCodes.Status403Forbidden, cancellationToken)
            : !request.RecordIds.Contains(grant.RecordId)
                ? await DenyAsync(grant.Id, claimed, $"The granted record has no attachment {request.Sha256} (or has been withdrawn).", request.RemoteAddress, StatusCodes.Status404NotFound, cancellationToken)
                : null;
        if (denied is not null)
        {
            return new GrantedAttachmentDecision(false, null, denied.Status, denied.Refusal);
        }
        grant.Deliveries++;
        db.Publish(new ContentDelivered(grant.Id, grant.RecordId, Self, grant.RequesterDepartment, Self, "owner", [$"{RecordFields.Attachments}/{request.Sha256}"], [], now));
        await db.SaveChangesAsync(cancellationToken);
        return new GrantedAttachmentDecision(true, grant.RecordId, StatusCodes.Status200OK, null);
    }

    private async Task<DeliveryOutcome> DenyAsync(Guid grantId, string? claimed, string reason, string? remoteAddress, int status, CancellationToken cancellationToken)
    {
        db.ChangeTracker.Clear();
        db.Publish(new ContentDenied(grantId, Self, claimed, reason, remoteAddress, clock.GetUtcNow()));
        await db.SaveChangesAsync(cancellationToken);
        return new DeliveryOutcome(null, status, reason);
    }
}
