using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;
using Platform.SharingPolicy.Saga;
using MassTransit;

namespace Platform.SharingPolicy.Apis;

public sealed record AccessRequestInput(Guid? RecordId, string? Purpose, string[]? Fields);

public sealed record ReviewInput(string? Comment);

public sealed record GrantSummary(Guid Id, string State, DateTimeOffset ExpiresAt, IReadOnlyList<string> Fields, IReadOnlyDictionary<string, string> Masks);

public sealed record AccessRequestEventView(string Status, string? Note, DateTimeOffset At);

public sealed record AccessRequestView(
    Guid Id, string Role, string OwnerDepartment, string RequesterDepartment, Guid RecordId, string? RecordTitle, string Purpose,
    IReadOnlyList<string> Fields, string RequestedBy, string Status, bool Automatic, string? Rule, int? RuleVersion,
    DateTimeOffset? ReviewDeadline, bool Overdue, string? Reason, string? DecidedBy, DateTimeOffset? DecidedAt,
    GrantSummary? Grant, IReadOnlyList<AccessRequestEventView> History, DateTimeOffset SubmittedAt, DateTimeOffset UpdatedAt)
{
    public static AccessRequestView From(AccessRequest r, Grant? grant, DateTimeOffset now) => new(
        r.Id, r.Direction, r.OwnerDepartment, r.RequesterDepartment, r.RecordId, r.RecordTitle, r.Purpose, r.Fields, r.RequestedBy,
        r.Status, r.Automatic, r.Rule, r.RuleVersion, r.ReviewDeadline, r.Overdue, r.Reason, r.DecidedBy, r.DecidedAt,
        grant is null ? null : new GrantSummary(grant.Id, grant.StateAt(now), grant.ExpiresAt, grant.Fields, grant.Masks),
        [.. r.History.OrderBy(h => h.At).ThenBy(h => h.Id).Select(h => new AccessRequestEventView(h.Status, h.Note, h.At))],
        r.SubmittedAt, r.UpdatedAt);
}

/// <summary>
/// Access requests between departments: a requester asks (sent to the owner only), the owner's policy or reviewers
/// decide, and both sides follow every status change.
/// </summary>
public static class RequestsApi
{
    public static IEndpointRouteBuilder MapRequestsApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/sharing/requests").WithTags("Access requests");
        api.MapPost("/", Submit).RequireAuthorization(Roles.Requester)
            .WithSummary("Ask another department for access to one of its records (requester).");
        api.MapGet("/", List).WithSummary("Requests this department sent (role=outgoing) or received (role=incoming); status= and overdue= filter.");
        api.MapGet("/{id:guid}", Get).WithSummary("One request with its timeline and grant.");
        api.MapPost("/{id:guid}/approve", Approve).RequireAuthorization(Roles.Reviewer)
            .WithSummary("Approve a pending request for one of this department's records (reviewer); issues a signed grant.");
        api.MapPost("/{id:guid}/reject", Reject).RequireAuthorization(Roles.Reviewer)
            .WithSummary("Reject a pending request for one of this department's records with a reason (reviewer).");
        return app;
    }

    internal static async Task<Results<Accepted<AccessRequestView>, ValidationProblem>> Submit(AccessRequestInput input, ClaimsPrincipal user,
        SharingDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        PeerRecord? record = null;
        if (input.RecordId is not { } recordId || recordId == Guid.Empty)
        {
            errors["recordId"] = ["Required: the id of a record another department published."];
        }
        else
        {
            record = await db.PeerRecords.AsNoTracking().SingleOrDefaultAsync(r => r.RecordId == recordId, cancellationToken);
            if (record is null || record.Withdrawn)
            {
                errors["recordId"] = [await db.Records.AnyAsync(r => r.RecordId == recordId, cancellationToken)
                    ? "This is one of this department's own records."
                    : "No other department has published a record with this id."];
            }
        }
        var purpose = input.Purpose?.Trim() ?? "";
        if (purpose.Length is 0 or > 500)
        {
            errors["purpose"] = ["Required: why the record is needed (at most 500 characters)."];
        }
        if (input.Fields?.FirstOrDefault(f => !RecordFields.Grantable.Contains(f)) is { } field)
        {
            errors["fields"] = [$"'{field}' is not a record field; fields are {string.Join(", ", RecordFields.Grantable)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        var now = clock.GetUtcNow();
        var request = new AccessRequest
        {
            Id = Guid.CreateVersion7(),
            Direction = AccessRequestStatus.Outgoing,
            OwnerDepartment = record!.Department,
            RequesterDepartment = node.Value.Id,
            RecordId = record.RecordId,
            RecordTitle = record.Title,
            Purpose = purpose,
            Fields = [.. (input.Fields ?? []).Distinct()],
            RequestedBy = Caller(user),
            Status = AccessRequestStatus.Submitted,
            SubmittedAt = now,
            UpdatedAt = now,
        };
        request.History.Add(new AccessRequestEvent { RequestId = request.Id, Status = AccessRequestStatus.Submitted, At = now, Note = $"sent to {record.Department}" });
        db.Requests.Add(request);
        db.Publish(new SubmitAccessRequest(request.Id, request.OwnerDepartment, request.RequesterDepartment, request.RecordId, purpose,
            request.Fields, request.RequestedBy, now));
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Accepted($"/api/sharing/requests/{request.Id}", AccessRequestView.From(request, null, now));
    }

    internal static async Task<Results<Ok<AccessRequestView[]>, ValidationProblem>> List(SharingDbContext db, TimeProvider clock,
        string? role, string? status, bool? overdue, int? limit, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (role is not (null or AccessRequestStatus.Incoming or AccessRequestStatus.Outgoing))
        {
            errors["role"] = ["incoming or outgoing."];
        }
        if (status is not null && !AccessRequestStatus.All.Contains(status))
        {
            errors["status"] = [$"One of {string.Join(", ", AccessRequestStatus.All)}."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var query = db.Requests.AsNoTracking().Include(r => r.History).AsQueryable();
        if (role is not null) query = query.Where(r => r.Direction == role);
        if (status is not null) query = query.Where(r => r.Status == status);
        if (overdue is { } flag) query = query.Where(r => r.Overdue == flag);
        var requests = await query.OrderByDescending(r => r.SubmittedAt).Take(Math.Clamp(limit ?? 200, 1, 1000)).AsSplitQuery().ToListAsync(cancellationToken);
        var grantIds = requests.Where(r => r.GrantId != null).Select(r => r.GrantId!.Value).ToList();
        var grants = await db.Grants.AsNoTracking().Where(g => grantIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, cancellationToken);
        var now = clock.GetUtcNow();
        return TypedResults.Ok(requests.Select(r => AccessRequestView.From(r, r.GrantId is { } g ? grants.GetValueOrDefault(g) : null, now)).ToArray());
    }

    internal static async Task<Results<Ok<AccessRequestView>, NotFound>> Get(Guid id, SharingDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var request = await db.Requests.AsNoTracking().Include(r => r.History).SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return TypedResults.NotFound();
        }
        var grant = request.GrantId is { } grantId ? await db.Grants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken) : null;
        return TypedResults.Ok(AccessRequestView.From(request, grant, clock.GetUtcNow()));
    }

    internal static Task<Results<Ok<AccessRequestView>, NotFound, ProblemHttpResult, ValidationProblem>> Approve(Guid id, [FromBody] ReviewInput? input,
        ClaimsPrincipal user, SharingDbContext db, IRequestClient<ReviewAccessRequest> saga, IOptions<SharingOptions> options, TimeProvider clock,
        CancellationToken cancellationToken) =>
        DecideAsync(id, new ReviewAccessRequest(id, Approve: true, Caller(user), Blank(input?.Comment)), db, saga, options, clock, cancellationToken);

    internal static async Task<Results<Ok<AccessRequestView>, NotFound, ProblemHttpResult, ValidationProblem>> Reject(Guid id, [FromBody] ReviewInput? input,
        ClaimsPrincipal user, SharingDbContext db, IRequestClient<ReviewAccessRequest> saga, IOptions<SharingOptions> options, TimeProvider clock,
        CancellationToken cancellationToken)
    {
        if (Blank(input?.Comment) is not { } comment)
        {
            return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["comment"] = ["Required: the reason for the rejection, shown to the requester."] });
        }
        return await DecideAsync(id, new ReviewAccessRequest(id, Approve: false, Caller(user), comment), db, saga, options, clock, cancellationToken);
    }

    /// <summary>
    /// Only this department's reviewers decide, only requests for this department's records, only while pending. The
    /// decision itself is the access-request saga's (one at a time per request); this waits for its answer.
    /// </summary>
    private static async Task<Results<Ok<AccessRequestView>, NotFound, ProblemHttpResult, ValidationProblem>> DecideAsync(Guid id, ReviewAccessRequest command,
        SharingDbContext db, IRequestClient<ReviewAccessRequest> saga, IOptions<SharingOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var request = await db.Requests.AsNoTracking().SingleOrDefaultAsync(r => r.Id == id, cancellationToken);
        if (request is null)
        {
            return TypedResults.NotFound();
        }
        if (request.Direction != AccessRequestStatus.Incoming)
        {
            return TypedResults.Problem($"Request {id} is for {request.OwnerDepartment}'s record; only {request.OwnerDepartment}'s reviewers decide it.",
                statusCode: StatusCodes.Status403Forbidden, title: "Not this department's request to decide");
        }
        if (request.Status != AccessRequestStatus.PendingReview)
        {
            return TypedResults.Problem($"Request {id} is {request.Status}; only pending-review requests can be decided.",
                statusCode: StatusCodes.Status409Conflict, title: "Already decided");
        }
        if (await AskSagaAsync(saga, command, options.Value, cancellationToken) is { } problem)
        {
            return problem;
        }
        return TypedResults.Ok(await ViewAsync(db, id, clock, cancellationToken));
    }

    /// <summary>Sends a reviewer's command to the saga; null once it was applied, else the problem to answer.</summary>
    internal static async Task<ProblemHttpResult?> AskSagaAsync<T>(IRequestClient<T> saga, T command, SharingOptions options, CancellationToken cancellationToken)
        where T : class
    {
        ReviewOutcome outcome;
        try
        {
            outcome = (await saga.GetResponse<ReviewOutcome>(command, cancellationToken, RequestTimeout.After(ms: (int)options.ReviewTimeout.TotalMilliseconds))).Message;
        }
        catch (RequestTimeoutException)
        {
            return TypedResults.Problem("The access-request workflow did not answer in time (is the message broker reachable?); the command may still be applied: look at the request before retrying.",
                statusCode: StatusCodes.Status503ServiceUnavailable, title: "Workflow unavailable");
        }
        return outcome.Applied || outcome.Repeated ? null : TypedResults.Problem(outcome.Problem, statusCode: outcome.StatusCode, title: outcome.Title);
    }

    private static async Task<AccessRequestView> ViewAsync(SharingDbContext db, Guid id, TimeProvider clock, CancellationToken cancellationToken)
    {
        var request = await db.Requests.AsNoTracking().Include(r => r.History).SingleAsync(r => r.Id == id, cancellationToken);
        var grant = request.GrantId is { } grantId ? await db.Grants.AsNoTracking().SingleOrDefaultAsync(g => g.Id == grantId, cancellationToken) : null;
        return AccessRequestView.From(request, grant, clock.GetUtcNow());
    }

    internal static string Caller(ClaimsPrincipal user) => user.FindFirst(PlatformClaims.ClientId)?.Value ?? user.Identity?.Name ?? "unknown";

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
