using System.Security.Claims;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Catalogue.Apis;

/// <summary>One record waiting for the secrecy review, and for how long.</summary>
public sealed record SecrecyReviewItem(Guid Id, string ExternalId, string ArchivalCode, string Title, string FondsCode, string? Category,
    string Classification, DateTimeOffset AwaitingSince, double AgeHours);

/// <summary>The queue, oldest first.</summary>
public sealed record SecrecyReviewPage(IReadOnlyList<SecrecyReviewItem> Items, int Total, double? OldestAgeHours, int Page, int PageSize);

/// <summary>A reviewer's decision on one or more records: <c>release</c> (announce) or <c>keep</c> (never announce), with the reason.</summary>
public sealed record SecrecyReviewDecisionInput(Guid[]? Records, string? Decision, string? Reason);

/// <summary>What the decision did to each record: <c>released</c>, <c>kept</c>, <c>not-awaiting</c> (already decided, or never queued) or <c>not-found</c>.</summary>
public sealed record SecrecyReviewResult(Guid Id, string Status);

public sealed record SecrecyReviewDecisionReport(IReadOnlyList<SecrecyReviewResult> Results);

/// <summary>
/// The secrecy review (保密审查): records the configuration says must be reviewed wait here before they are first
/// announced to other departments; a secrecy reviewer releases or keeps them, one by one or in bulk, with a reason. Every
/// decision is audited (<c>record.secrecy-review</c>).
/// </summary>
public static class SecrecyReviewApi
{
    private const int MaxRecords = 1_000;
    private const int MaxReason = 500;

    public static IEndpointRouteBuilder MapSecrecyReviewApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/catalogue/secrecy-review").WithTags("Secrecy review").RequireAuthorization(Roles.SecrecyReviewer);
        api.MapGet("/", ListQueue).WithSummary("This department's records waiting for the secrecy review before their first announcement, oldest first, with their age.");
        api.MapPost("/decisions", Decide)
            .WithSummary("Release (announce) or keep (never announce) up to 1,000 waiting records, with a reason; one result per record.");
        return app;
    }

    internal static async Task<Ok<SecrecyReviewPage>> ListQueue(CatalogueDbContext db, IOptions<NodeOptions> node, TimeProvider clock,
        [AsParameters] Paging paging, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var waiting = db.Records.AsNoTracking().Where(r => r.Department == node.Value.Id && r.SecrecyReview == SecrecyReviews.Awaiting);
        var total = await waiting.CountAsync(cancellationToken);
        var oldest = await waiting.MinAsync(r => r.ReviewRequestedAt, cancellationToken);
        var page = await waiting.OrderBy(r => r.ReviewRequestedAt).ThenBy(r => r.Id).Skip(paging.Skip).Take(paging.Size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new SecrecyReviewPage(
            [.. page.Select(r => new SecrecyReviewItem(r.Id, r.ExternalId, r.ArchivalCode, r.Title, r.FondsCode, r.Category, r.Classification,
                r.ReviewRequestedAt!.Value, Hours(now - r.ReviewRequestedAt!.Value)))],
            total, oldest is { } since ? Hours(now - since) : null, paging.Number, paging.Size));
    }

    internal static async Task<Results<Ok<SecrecyReviewDecisionReport>, ValidationProblem>> Decide(SecrecyReviewDecisionInput input, ClaimsPrincipal user,
        CatalogueDbContext db, IOptions<NodeOptions> node, AnnouncementSignal announcements, TimeProvider clock, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (input.Records is not { Length: > 0 and <= MaxRecords })
        {
            errors["records"] = [$"Between 1 and {MaxRecords:N0} record ids."];
        }
        if (input.Decision is not ("release" or "keep"))
        {
            errors["decision"] = ["Either release (announce to the departments the policy allows) or keep (never announce)."];
        }
        if (string.IsNullOrWhiteSpace(input.Reason) || input.Reason.Length > MaxReason)
        {
            errors["reason"] = [$"Required: why, in at most {MaxReason} characters (it is kept in the audit log)."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors, title: "The decision is not valid");
        }

        var ids = input.Records!.Distinct().ToArray();
        var records = await db.Records.Where(r => r.Department == node.Value.Id && ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, cancellationToken);
        var by = user.FindFirst(PlatformClaims.ClientId)?.Value ?? user.Identity?.Name ?? "unknown";
        var now = clock.GetUtcNow();
        var release = input.Decision == "release";
        var results = new List<SecrecyReviewResult>(ids.Length);
        var released = new List<Guid>();
        foreach (var id in ids)
        {
            if (!records.TryGetValue(id, out var record))
            {
                results.Add(new SecrecyReviewResult(id, "not-found"));
                continue;
            }
            if (record.SecrecyReview != SecrecyReviews.Awaiting)
            {
                results.Add(new SecrecyReviewResult(id, "not-awaiting"));
                continue;
            }
            record.SecrecyReview = release ? SecrecyReviews.Released : SecrecyReviews.Kept;
            record.ReviewedAt = now;
            record.ReviewedBy = by;
            record.ReviewReason = input.Reason!.Trim();
            if (release) released.Add(record.Id);
            db.Publish(new SecrecyReviewDecided(record.Id, node.Value.Id, record.SecrecyReview, record.ReviewReason, by, record.ReviewRequestedAt ?? now, now));
            results.Add(new SecrecyReviewResult(id, record.SecrecyReview));
        }
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        await db.SaveChangesAsync(cancellationToken);
        await RecordAnnouncement.MarkDueAsync(db, released, now, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        if (release) announcements.Notify();
        return TypedResults.Ok(new SecrecyReviewDecisionReport(results));
    }

    private static double Hours(TimeSpan age) => Math.Round(age.TotalHours, 2);
}
