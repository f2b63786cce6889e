using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Input;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Apis;

/// <summary>A bulk request or subscription: the owner and which of its records (at least a fonds or a category).</summary>
public sealed record RecordSelectionInput(string? OwnerDepartment, string? FondsCode, string? Category, int? Year, string? Purpose, string[]? Fields);

/// <summary>One record of a bulk request or subscription and the state of its per-record access request.</summary>
public sealed record SelectedRecordView(Guid RequestId, Guid RecordId, string? RecordTitle, string Status, string? Reason,
    DateTimeOffset? ReviewDeadline, bool Overdue, GrantSummary? Grant);

public sealed record SelectedRecordsPage(int Page, int PageSize, int Total, IReadOnlyList<SelectedRecordView> Items);

public sealed record BulkAccessRequestView(
    Guid Id, string Role, string OwnerDepartment, string RequesterDepartment, RecordSelection Selection, string Purpose,
    IReadOnlyList<string> Fields, string RequestedBy, string Status, string? Reason, int Matched,
    IReadOnlyDictionary<string, int> Outcomes, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt, SelectedRecordsPage? Records);

public sealed record SubscriptionView(
    Guid Id, string Role, string OwnerDepartment, string SubscriberDepartment, RecordSelection Selection, string Purpose,
    IReadOnlyList<string> Fields, string RequestedBy, string Status, DateTimeOffset CreatedAt, DateTimeOffset? CancelledAt, string? CancelledBy,
    int Delivered, SelectedRecordsPage? Records);

/// <summary>
/// Bulk requests (every record of a selection, as one request) and unconditional subscriptions (records of a selection
/// as they are published). Both are sent to the owner only; each record they cover becomes an ordinary access request.
/// </summary>
public static class BulkSharingApi
{
    private const int DefaultPageSize = 50;
    private const int MaxPageSize = 500;

    public static IEndpointRouteBuilder MapBulkSharingApi(this IEndpointRouteBuilder app)
    {
        var bulk = app.MapGroup("/api/sharing/bulk-requests").WithTags("Bulk requests");
        bulk.MapPost("/", SubmitBulk).RequireAuthorization(Roles.Requester)
            .WithSummary("Ask another department for every record of a selection (fonds, category, year) with one purpose (requester).");
        bulk.MapGet("/", ListBulk).WithSummary("Bulk requests this department sent (role=outgoing) or received (role=incoming), with per-outcome counts.");
        bulk.MapGet("/{id:guid}", GetBulk).WithSummary("One bulk request with its per-record outcomes and grants, paged (page=, pageSize=, status=).");

        var subscriptions = app.MapGroup("/api/sharing/subscriptions").WithTags("Subscriptions");
        subscriptions.MapPost("/", Subscribe).RequireAuthorization(Roles.Requester)
            .WithSummary("Subscribe to another department's records of a selection: each newly published one it shares unconditionally is granted at once (requester).");
        subscriptions.MapGet("/", ListSubscriptions).WithSummary("This department's subscriptions (role=outgoing) and those to its records (role=incoming).");
        subscriptions.MapGet("/{id:guid}", GetSubscription).WithSummary("One subscription with the records delivered under it and their grants, paged.");
        subscriptions.MapDelete("/{id:guid}", Cancel).RequireAuthorization(Roles.Requester)
            .WithSummary("Cancel one of this department's subscriptions (requester); no record is offered under it afterwards.");
        return app;
    }

    internal static async Task<Results<Accepted<BulkAccessRequestView>, ValidationProblem>> SubmitBulk(RecordSelectionInput input, ClaimsPrincipal user,
        SharingDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(input, db, node.Value.Id, cancellationToken) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = clock.GetUtcNow();
        var bulk = Outgoing(new BulkAccessRequest
        {
            RequesterDepartment = node.Value.Id,
            Status = BulkRequestStatus.Submitted,
            SubmittedAt = now,
            UpdatedAt = now,
        }, input, user);
        db.BulkRequests.Add(bulk);
        db.Publish(new SubmitBulkAccessRequest(bulk.Id, bulk.OwnerDepartment, bulk.RequesterDepartment, bulk.Selection, bulk.Purpose, bulk.Fields, bulk.RequestedBy, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/sharing/bulk-requests/{bulk.Id}", View(bulk, new Dictionary<string, int>(), null));
    }

    internal static async Task<Results<Ok<BulkAccessRequestView[]>, ValidationProblem>> ListBulk(string? role, int? limit, SharingDbContext db, CancellationToken cancellationToken)
    {
        if (role is not (null or AccessRequestStatus.Incoming or AccessRequestStatus.Outgoing))
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["role"] = ["incoming or outgoing."] });
        }
        var query = db.BulkRequests.AsNoTracking();
        if (role is not null) query = query.Where(b => b.Direction == role);
        var bulks = await query.OrderByDescending(b => b.SubmittedAt).Take(Math.Clamp(limit ?? 100, 1, 500)).ToListAsync(cancellationToken);
        var views = new List<BulkAccessRequestView>(bulks.Count);
        foreach (var bulk in bulks)
        {
            views.Add(View(bulk, await OutcomesAsync(db, db.BulkRequestItems.Where(i => i.BulkRequestId == bulk.Id).Select(i => i.RequestId), cancellationToken), null));
        }
        return TypedResults.Ok(views.ToArray());
    }

    internal static async Task<Results<Ok<BulkAccessRequestView>, NotFound, ValidationProblem>> GetBulk(Guid id, string? status, int? page, int? pageSize,
        SharingDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ValidatePage(status, page, pageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var bulk = await db.BulkRequests.AsNoTracking().SingleOrDefaultAsync(b => b.Id == id, cancellationToken);
        if (bulk is null)
        {
            return TypedResults.NotFound();
        }
        var items = db.BulkRequestItems.AsNoTracking().Where(i => i.BulkRequestId == id);
        var outcomes = await OutcomesAsync(db, items.Select(i => i.RequestId), cancellationToken);
        var records = await PageAsync(db, items.Select(i => new Selected { RequestId = i.RequestId, RecordId = i.RecordId }), status, page, pageSize, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(View(bulk, outcomes, records));
    }

    internal static async Task<Results<Created<SubscriptionView>, ValidationProblem>> Subscribe(RecordSelectionInput input, ClaimsPrincipal user,
        SharingDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (await ValidateAsync(input, db, node.Value.Id, cancellationToken) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var now = clock.GetUtcNow();
        var subscription = Outgoing(new RecordSubscription
        {
            SubscriberDepartment = node.Value.Id,
            Status = RecordSubscription.Active,
            CreatedAt = now,
        }, input, user);
        db.Subscriptions.Add(subscription);
        db.Publish(new SubscribeToRecords(subscription.Id, subscription.OwnerDepartment, subscription.SubscriberDepartment, subscription.Selection,
            subscription.Purpose, subscription.Fields, subscription.RequestedBy, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Created($"/api/sharing/subscriptions/{subscription.Id}", View(subscription, 0, null));
    }

    internal static async Task<Results<Ok<SubscriptionView[]>, ValidationProblem>> ListSubscriptions(string? role, string? status, SharingDbContext db, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (role is not (null or AccessRequestStatus.Incoming or AccessRequestStatus.Outgoing))
        {
            errors["role"] = ["incoming or outgoing."];
        }
        if (status is not (null or RecordSubscription.Active or RecordSubscription.Cancelled))
        {
            errors["status"] = ["active or cancelled."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var query = db.Subscriptions.AsNoTracking();
        if (role is not null) query = query.Where(s => s.Direction == role);
        if (status is not null) query = query.Where(s => s.Status == status);
        var subscriptions = await query.OrderByDescending(s => s.CreatedAt).Take(500).ToListAsync(cancellationToken);
        var ids = subscriptions.Select(s => s.Id).ToList();
        var delivered = await db.SubscriptionDeliveries.Where(d => ids.Contains(d.SubscriptionId)).GroupBy(d => d.SubscriptionId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        return TypedResults.Ok(subscriptions.Select(s => View(s, delivered.GetValueOrDefault(s.Id), null)).ToArray());
    }

    internal static async Task<Results<Ok<SubscriptionView>, NotFound, ValidationProblem>> GetSubscription(Guid id, string? status, int? page, int? pageSize,
        SharingDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (ValidatePage(status, page, pageSize) is { } errors)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var subscription = await db.Subscriptions.AsNoTracking().SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return TypedResults.NotFound();
        }
        var deliveries = db.SubscriptionDeliveries.AsNoTracking().Where(d => d.SubscriptionId == id);
        var records = await PageAsync(db, deliveries.Select(d => new Selected { RequestId = d.RequestId, RecordId = d.RecordId }), status, page, pageSize, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(View(subscription, await deliveries.CountAsync(cancellationToken), records));
    }

    internal static async Task<Results<Ok<SubscriptionView>, NotFound, ProblemHttpResult>> Cancel(Guid id, ClaimsPrincipal user, SharingDbContext db,
        TimeProvider clock, CancellationToken cancellationToken)
    {
        var subscription = await db.Subscriptions.SingleOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (subscription is null)
        {
            return TypedResults.NotFound();
        }
        if (subscription.Direction != AccessRequestStatus.Outgoing)
        {
            return TypedResults.Problem($"Subscription {id} is {subscription.SubscriberDepartment}'s; only it can cancel it.",
                statusCode: StatusCodes.Status403Forbidden, title: "Not this department's subscription");
        }
        if (subscription.Status == RecordSubscription.Cancelled)
        {
            return TypedResults.Problem($"Subscription {id} was already cancelled at {subscription.CancelledAt:u}.", statusCode: StatusCodes.Status409Conflict, title: "Already cancelled");
        }
        var now = clock.GetUtcNow();
        subscription.Status = RecordSubscription.Cancelled;
        subscription.CancelledAt = now;
        subscription.CancelledBy = RequestsApi.Caller(user);
        db.Publish(new CancelRecordSubscription(subscription.Id, subscription.OwnerDepartment, subscription.SubscriberDepartment, subscription.CancelledBy, now));
        await db.SaveChangesAsync(cancellationToken);
        var delivered = await db.SubscriptionDeliveries.CountAsync(d => d.SubscriptionId == id, cancellationToken);
        return TypedResults.Ok(View(subscription, delivered, null));
    }

    /// <summary>The asker's copy of a validated selection <paramref name="input"/>, under a new id.</summary>
    private static T Outgoing<T>(T ask, RecordSelectionInput input, ClaimsPrincipal user) where T : RecordSelectionAsk
    {
        ask.Ask(Guid.CreateVersion7(), AccessRequestStatus.Outgoing, input.OwnerDepartment!.Trim(),
            new RecordSelection(Blank(input.FondsCode), Blank(input.Category), input.Year), input.Purpose!.Trim(),
            (input.Fields ?? []).Distinct(), RequestsApi.Caller(user));
        return ask;
    }

    private static async Task<Dictionary<string, string[]>?> ValidateAsync(RecordSelectionInput input, SharingDbContext db, string self, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        var owner = input.OwnerDepartment?.Trim();
        if (string.IsNullOrEmpty(owner))
        {
            errors["ownerDepartment"] = ["Required: the department whose records are asked for."];
        }
        else if (owner == self)
        {
            errors["ownerDepartment"] = ["This department's own records need no request."];
        }
        else if (!await db.Nodes.AnyAsync(n => n.Department == owner, cancellationToken))
        {
            errors["ownerDepartment"] = [$"'{owner}' is not in the node directory (GET /api/sharing/nodes)."];
        }
        if (Blank(input.FondsCode) is null && Blank(input.Category) is null)
        {
            errors["fondsCode"] = ["Give a fondsCode, a category or both: a selection covers part of a department's records, not all of them."];
        }
        if (input.FondsCode?.Length > 50) errors["fondsCode"] = ["At most 50 characters."];
        if (input.Category?.Length > 100) errors["category"] = ["At most 100 characters."];
        if (input.Year is < 1000 or > 9999)
        {
            errors["year"] = ["A four-digit year of the records' date (日期)."];
        }
        if ((input.Purpose?.Trim() ?? "").Length is 0 or > 500)
        {
            errors["purpose"] = ["Required: why the records are needed (at most 500 characters)."];
        }
        if (input.Fields?.FirstOrDefault(f => !RecordFields.Grantable.Contains(f)) is { } field)
        {
            errors["fields"] = [$"'{field}' is not a record field; fields are {string.Join(", ", RecordFields.Grantable)}."];
        }
        return errors.Count > 0 ? errors : null;
    }

    private static Dictionary<string, string[]>? ValidatePage(string? status, int? page, int? pageSize)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null && !AccessRequestStatus.All.Contains(status))
        {
            errors["status"] = [$"One of {string.Join(", ", AccessRequestStatus.All)}."];
        }
        if (page is < 1) errors["page"] = ["From 1."];
        if (pageSize is < 1 or > MaxPageSize) errors["pageSize"] = [$"From 1 to {MaxPageSize}."];
        return errors.Count > 0 ? errors : null;
    }

    /// <summary>A record of a selection and the id of its access request.</summary>
    private sealed class Selected
    {
        public Guid RequestId { get; init; }
        public Guid RecordId { get; init; }
    }

    /// <summary>How many of the selection's requests are in each status (a request not yet received by the owner counts as submitted).</summary>
    private static async Task<Dictionary<string, int>> OutcomesAsync(SharingDbContext db, IQueryable<Guid> requestIds, CancellationToken cancellationToken)
    {
        var total = await requestIds.CountAsync(cancellationToken);
        var outcomes = await db.Requests.Where(r => requestIds.Contains(r.Id)).GroupBy(r => r.Status)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, cancellationToken);
        var known = outcomes.Values.Sum();
        if (total > known)
        {
            outcomes[AccessRequestStatus.Submitted] = outcomes.GetValueOrDefault(AccessRequestStatus.Submitted) + total - known;
        }
        return outcomes;
    }

    private static async Task<SelectedRecordsPage> PageAsync(SharingDbContext db, IQueryable<Selected> selected, string? status, int? page, int? pageSize,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (status is not null)
        {
            selected = selected.Where(s => db.Requests.Any(r => r.Id == s.RequestId && r.Status == status)
                || (status == AccessRequestStatus.Submitted && !db.Requests.Any(r => r.Id == s.RequestId)));
        }
        var size = pageSize ?? DefaultPageSize;
        var number = page ?? 1;
        var total = await selected.CountAsync(cancellationToken);
        var rows = await selected.OrderBy(s => s.RecordId).Skip(PageOffset.Of(number, size)).Take(size).ToListAsync(cancellationToken);
        var requestIds = rows.Select(r => r.RequestId).ToList();
        var requests = await db.Requests.AsNoTracking().Where(r => requestIds.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var grantIds = requests.Values.Where(r => r.GrantId != null).Select(r => r.GrantId!.Value).ToList();
        var grants = await db.Grants.AsNoTracking().Where(g => grantIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, cancellationToken);
        var items = rows.Select(row =>
        {
            var request = requests.GetValueOrDefault(row.RequestId);
            var grant = request?.GrantId is { } g ? grants.GetValueOrDefault(g) : null;
            return new SelectedRecordView(row.RequestId, row.RecordId, request?.RecordTitle, request?.Status ?? AccessRequestStatus.Submitted, request?.Reason,
                request?.ReviewDeadline, request?.Overdue ?? false,
                grant is null ? null : new GrantSummary(grant.Id, grant.StateAt(now), grant.ExpiresAt, grant.Fields, grant.Masks));
        }).ToList();
        return new SelectedRecordsPage(number, size, total, items);
    }

    private static BulkAccessRequestView View(BulkAccessRequest b, IReadOnlyDictionary<string, int> outcomes, SelectedRecordsPage? records) => new(
        b.Id, b.Direction, b.OwnerDepartment, b.RequesterDepartment, b.Selection, b.Purpose, b.Fields, b.RequestedBy, b.Status, b.Reason, b.Matched,
        outcomes, b.SubmittedAt, b.UpdatedAt, records);

    private static SubscriptionView View(RecordSubscription s, int delivered, SelectedRecordsPage? records) => new(
        s.Id, s.Direction, s.OwnerDepartment, s.SubscriberDepartment, s.Selection, s.Purpose, s.Fields, s.RequestedBy, s.Status, s.CreatedAt,
        s.CancelledAt, s.CancelledBy, delivered, records);

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
