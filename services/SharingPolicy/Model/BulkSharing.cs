using Platform.Contracts;

namespace Platform.SharingPolicy.Model;

/// <summary>
/// What a bulk request and a subscription have in common: one owner department's records of a selection, asked for by
/// another department for a purpose, with the fields it wants. Both departments keep a copy (<c>outgoing</c> at the
/// asker, <c>incoming</c> at the owner) under the same id.
/// </summary>
public abstract class RecordSelectionAsk
{
    public Guid Id { get; set; }
    public string Direction { get; set; } = "";
    public string OwnerDepartment { get; set; } = "";
    public string? FondsCode { get; set; }
    public string? Category { get; set; }
    public int? Year { get; set; }
    public string Purpose { get; set; } = "";
    public List<string> Fields { get; set; } = [];
    public string RequestedBy { get; set; } = "";

    public RecordSelection Selection => new(FondsCode, Category, Year);

    /// <summary>Takes the ask as both departments record it: who owns the records, which of them, why, which fields, who asked.</summary>
    public void Ask(Guid id, string direction, string ownerDepartment, RecordSelection selection, string purpose, IEnumerable<string> fields, string requestedBy)
    {
        Id = id;
        Direction = direction;
        OwnerDepartment = ownerDepartment;
        FondsCode = selection.FondsCode;
        Category = selection.Category;
        Year = selection.Year;
        Purpose = purpose;
        Fields = [.. fields];
        RequestedBy = requestedBy;
    }
}

/// <summary>
/// A request for every record of one owner that matches a <see cref="RecordSelectionAsk.Selection"/>, kept by both departments like an
/// <see cref="AccessRequest"/> (<c>outgoing</c> at the requester, <c>incoming</c> at the owner). The owner lists the
/// matching records once (a snapshot: records published later are not added; a subscription covers those), and each
/// becomes an ordinary per-record access request (<see cref="BulkRequestItem"/>) decided by the owner's policy.
/// </summary>
public sealed class BulkAccessRequest : RecordSelectionAsk
{
    public required string RequesterDepartment { get; set; }

    /// <summary><see cref="BulkRequestStatus"/>: submitted → accepted (records listed) | rejected (the whole selection).</summary>
    public required string Status { get; set; }
    public string? Reason { get; set; }
    public int Matched { get; set; }
    public DateTimeOffset SubmittedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

public static class BulkRequestStatus
{
    public const string Submitted = "submitted";
    public const string Accepted = "accepted";
    public const string Rejected = "rejected";
}

/// <summary>One record of a bulk request and the per-record access request (same id on both sides) that carries it.</summary>
public sealed class BulkRequestItem
{
    public Guid BulkRequestId { get; set; }
    public Guid RequestId { get; set; }
    public Guid RecordId { get; set; }
}

/// <summary>
/// A subscription of one department to another's records of a <see cref="RecordSelectionAsk.Selection"/>
/// (<c>outgoing</c> at the subscriber, <c>incoming</c> at the owner). When the owner publishes or updates a matching
/// record that its policy shares unconditionally with the subscriber, the record is offered once
/// (<see cref="SubscriptionDelivery"/>) and requested at once, so a grant follows without review.
/// </summary>
public sealed class RecordSubscription : RecordSelectionAsk
{
    public required string SubscriberDepartment { get; set; }

    /// <summary><c>active</c> or <c>cancelled</c>.</summary>
    public required string Status { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? CancelledAt { get; set; }
    public string? CancelledBy { get; set; }

    public const string Active = "active";
    public const string Cancelled = "cancelled";
}

/// <summary>A record offered under a subscription (once per subscription and record) and the access request that asked for it.</summary>
public sealed class SubscriptionDelivery
{
    public Guid SubscriptionId { get; set; }
    public Guid RecordId { get; set; }
    public Guid RequestId { get; set; }
    public int Version { get; set; }
    public DateTimeOffset OfferedAt { get; set; }
}

/// <summary>Whether a record of this department falls in a selection (fonds, category, year of its date).</summary>
public static class Selections
{
    public static bool Matches(this RecordSelection selection, SharedRecord record) =>
        (selection.FondsCode is null || selection.FondsCode == record.FondsCode)
        && (selection.Category is null || selection.Category == record.Category)
        && (selection.Year is null || selection.Year == record.Year);

    public static IQueryable<SharedRecord> Matching(this IQueryable<SharedRecord> records, RecordSelection selection)
    {
        var query = records.Where(r => !r.Withdrawn);
        if (selection.FondsCode is { } fonds) query = query.Where(r => r.FondsCode == fonds);
        if (selection.Category is { } category) query = query.Where(r => r.Category == category);
        if (selection.Year is { } year) query = query.Where(r => r.Year == year);
        return query;
    }
}

/// <summary>
/// The requester's side of sending one per-record access request for a bulk request or a subscription: the outgoing
/// request (so the owner's replies find it) and the <see cref="SubmitAccessRequest"/> to the owner, in one unit of work.
/// </summary>
public static class AccessRequestSubmission
{
    public static AccessRequest Send(Infrastructure.SharingDbContext db, Guid requestId, string owner, string requester, Guid recordId, string? title,
        string purpose, IReadOnlyList<string> fields, string requestedBy, string note, DateTimeOffset now)
    {
        var request = new AccessRequest
        {
            Id = requestId,
            Direction = AccessRequestStatus.Outgoing,
            OwnerDepartment = owner,
            RequesterDepartment = requester,
            RecordId = recordId,
            RecordTitle = title,
            Purpose = purpose,
            Fields = [.. fields],
            RequestedBy = requestedBy,
            Status = AccessRequestStatus.Submitted,
            SubmittedAt = now,
            UpdatedAt = now,
        };
        request.History.Add(new AccessRequestEvent { RequestId = request.Id, Status = AccessRequestStatus.Submitted, At = now, Note = note });
        db.Requests.Add(request);
        db.Publish(new SubmitAccessRequest(request.Id, owner, requester, recordId, purpose, request.Fields, requestedBy, now));
        return request;
    }
}
