namespace Platform.Contracts;

// Attachments under a grant (docs/SHARING.md, "Attachments"). Both are request/response inside one node, sent to the
// answering service's own endpoint by address, never broadcast.

/// <summary>Inside one node: the sharing service asks its own catalogue which attachments a granted record has.</summary>
public sealed record GetRecordAttachments(Guid RecordId);

/// <summary>An attachment as it is listed in granted content (no bytes: those are fetched one by one from the owner's gateway).</summary>
public sealed record RecordAttachment(string Sha256, string FileName, string ContentType, long Size);

/// <summary>The catalogue's answer to <see cref="GetRecordAttachments"/>.</summary>
public sealed record RecordAttachments(Guid RecordId, IReadOnlyList<RecordAttachment> Attachments);

/// <summary>
/// Inside the owner's node: the catalogue, asked for an attachment's bytes under a grant, asks the sharing service
/// whether the grant allows it. <see cref="RecordIds"/> are the catalogue's records that have an attachment with
/// <see cref="Sha256"/>. The sharing service checks the grant as for content, records the delivery or the refusal
/// for audit, and answers with <see cref="GrantedAttachmentDecision"/>.
/// </summary>
public sealed record AuthorizeGrantedAttachment(
    Guid GrantId,
    string? GrantToken,
    string? Proof,
    string Sha256,
    IReadOnlyList<Guid> RecordIds,
    string? RemoteAddress);

/// <summary>Whether the attachment may be streamed: <see cref="RecordId"/> when allowed, otherwise an HTTP status and the reason.</summary>
public sealed record GrantedAttachmentDecision(bool Allowed, Guid? RecordId, int Status, string? Refusal);
