using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;

namespace Platform.Audit.Apis;

/// <summary>The audit log for auditors: entries with filters, and chain verification.</summary>
public static class AuditApi
{
    public static IEndpointRouteBuilder MapAuditApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/audit").WithTags("Audit").RequireAuthorization(Roles.Auditor);
        api.MapGet("/entries", ListEntries).WithSummary("Log entries, oldest first, filtered by time, department, actor, action, subject or trace id.");
        api.MapGet("/verify", Verify).WithSummary("Recomputes the hash chain (whole, or sequence numbers from..to) and reports the first broken entry, if any; witnesses=true also compares with the checkpoints peers hold.");
        return app;
    }

    internal static async Task<Ok<EntryPage>> ListEntries(
        AuditDbContext db, [AsParameters] EntryFilter filter, CancellationToken cancellationToken)
    {
        var query = db.Entries.AsNoTracking();
        if (filter.From is not null) query = query.Where(e => e.OccurredAt >= filter.From);
        if (filter.To is not null) query = query.Where(e => e.OccurredAt < filter.To);
        if (!string.IsNullOrWhiteSpace(filter.Department)) query = query.Where(e => e.Department == filter.Department);
        if (!string.IsNullOrWhiteSpace(filter.Actor)) query = query.Where(e => e.Actor == filter.Actor);
        if (!string.IsNullOrWhiteSpace(filter.Action)) query = query.Where(e => e.Action == filter.Action);
        if (!string.IsNullOrWhiteSpace(filter.Subject)) query = query.Where(e => e.Subject == filter.Subject);
        if (!string.IsNullOrWhiteSpace(filter.TraceId)) query = query.Where(e => e.TraceId == filter.TraceId);
        if (filter.After is not null) query = query.Where(e => e.Sequence > filter.After);

        var limit = Math.Clamp(filter.Limit ?? 100, 1, 1000);
        var items = await query.OrderBy(e => e.Sequence).Take(limit).ToListAsync(cancellationToken);
        return TypedResults.Ok(new EntryPage(items, items.Count == limit ? items[^1].Sequence : null));
    }

    internal static async Task<Results<Ok<ChainVerification>, ValidationProblem>> Verify(
        AuditLog log, WitnessCheck witnessCheck, long? from, long? to, bool? witnesses, CancellationToken cancellationToken)
    {
        if (from < 1) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["from"] = ["Must be 1 or more."] });
        if (to < (from ?? 1)) return TypedResults.ValidationProblem(new Dictionary<string, string[]> { ["to"] = ["Must not be before 'from'."] });
        var chain = await log.VerifyAsync(from, to, cancellationToken);
        if (witnesses != true)
        {
            AuditGauges.Verified(chain.Valid);
            return TypedResults.Ok(chain);
        }
        var reports = await witnessCheck.AskPeersAsync(cancellationToken);
        var checkedChain = chain with { Valid = chain.Valid && reports.All(r => r.FirstMismatchSequence is null), Witnesses = reports };
        AuditGauges.Verified(checkedChain.Valid);
        return TypedResults.Ok(checkedChain);
    }
}

/// <summary>Filters for <c>GET /api/audit/entries</c>; page with <c>after</c> = the previous page's <c>next</c>.</summary>
public sealed record EntryFilter(
    DateTimeOffset? From, DateTimeOffset? To, string? Department, string? Actor, string? Action, string? Subject, string? TraceId,
    long? After, int? Limit);

/// <summary>A page of entries; <see cref="Next"/> is the cursor for the following page, null at the end.</summary>
public sealed record EntryPage(IReadOnlyList<AuditEntry> Items, long? Next);
