using MassTransit;
using Microsoft.EntityFrameworkCore;
using Platform.Contracts;
using Platform.ServiceDefaults.Persistence;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Consumers;

/// <summary>Requester side: the owner put the request up for review.</summary>
public sealed class AccessReviewStartedConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, AccessReviewStarted>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AccessReviewStarted> context, CancellationToken cancellationToken)
    {
        var request = await OutgoingRequests.FindAsync(Db, context.Message.RequestId, context.Message.OwnerDepartment, cancellationToken);
        if (request is null) return;
        request.ReviewDeadline = context.Message.ReviewDeadline;
        request.MoveTo(AccessRequestStatus.PendingReview, context.Message.OccurredAt, $"review due by {context.Message.ReviewDeadline:u}");
    }
}

/// <summary>Requester side: the owner's review is overdue.</summary>
public sealed class AccessReviewOverdueConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, AccessReviewOverdue>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AccessReviewOverdue> context, CancellationToken cancellationToken)
    {
        var request = await OutgoingRequests.FindAsync(Db, context.Message.RequestId, context.Message.OwnerDepartment, cancellationToken);
        if (request is null || request.Overdue) return;
        request.Overdue = true;
        request.ReviewDeadline ??= context.Message.ReviewDeadline;
        request.Flag("overdue", context.Message.OccurredAt, $"review deadline {context.Message.ReviewDeadline:u} passed");
    }
}

/// <summary>Requester side: the owner approved or rejected.</summary>
public sealed class AccessDecidedConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, AccessDecided>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AccessDecided> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var request = await OutgoingRequests.FindAsync(Db, message.RequestId, message.OwnerDepartment, cancellationToken);
        if (request is null) return;
        request.Automatic = message.Automatic;
        request.Reason = message.Reason;
        request.DecidedBy = message.DecidedBy;
        request.DecidedAt = message.OccurredAt;
        if (request.Status != message.Decision)
        {
            request.MoveTo(message.Decision, message.OccurredAt, message.Reason);
        }
        // Its grant (and even the grant's revocation) may have overtaken the decision: separate queues.
        var revoked = await Db.Grants.Where(g => g.RequestId == request.Id && g.RevokedAt != null).FirstOrDefaultAsync(cancellationToken);
        if (revoked is not null)
        {
            request.MoveTo(AccessRequestStatus.Revoked, revoked.RevokedAt!.Value, revoked.RevokeReason);
        }
    }
}

/// <summary>Requester side: keeps the signed grant so content can be fetched with it.</summary>
public sealed class GrantIssuedConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, GrantIssued>(db)
{
    protected override async Task HandleAsync(ConsumeContext<GrantIssued> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var request = await OutgoingRequests.FindAsync(Db, message.RequestId, message.OwnerDepartment, cancellationToken);
        if (request is null || await Db.Grants.AnyAsync(g => g.Id == message.GrantId, cancellationToken)) return;
        Db.Grants.Add(new Grant
        {
            Id = message.GrantId,
            Direction = Grant.Received,
            RequestId = message.RequestId,
            OwnerDepartment = message.OwnerDepartment,
            RequesterDepartment = message.RequesterDepartment,
            RecordId = message.RecordId,
            Fields = [.. message.Fields],
            Masks = new Dictionary<string, string>(message.Masks),
            IssuedAt = message.OccurredAt,
            ExpiresAt = message.ExpiresAt,
            Token = message.Token,
        });
        // The status stays until the decision arrives (it may be overtaken by its grant: separate queues), so a request
        // shown as approved always carries who decided, when and whether it was automatic.
        request.GrantId = message.GrantId;
    }
}

/// <summary>Requester side: the owner revoked the grant.</summary>
public sealed class GrantRevokedConsumer(SharingDbContext db) : IdempotentConsumer<SharingDbContext, GrantRevoked>(db)
{
    protected override async Task HandleAsync(ConsumeContext<GrantRevoked> context, CancellationToken cancellationToken)
    {
        var message = context.Message;
        var grant = await Db.Grants.SingleOrDefaultAsync(g => g.Id == message.GrantId && g.OwnerDepartment == message.OwnerDepartment, cancellationToken);
        if (grant is not null)
        {
            grant.RevokedAt = message.OccurredAt;
            grant.RevokeReason = message.Reason;
        }
        var request = await OutgoingRequests.FindAsync(Db, message.RequestId, message.OwnerDepartment, cancellationToken);
        request?.MoveTo(AccessRequestStatus.Revoked, message.OccurredAt, message.Reason);
    }
}

internal static class OutgoingRequests
{
    /// <summary>
    /// This department's own request, and only if <paramref name="owner"/> is the department it was sent to. Its row is
    /// locked for the consumer's transaction first: the review start, decision, grant and revocation arrive on separate
    /// queues and may be consumed at the same moment, and they now apply one after the other instead of failing on the
    /// row's concurrency token and waiting out growing retry pauses (a revocation once took over a minute to show).
    /// </summary>
    public static async Task<AccessRequest?> FindAsync(SharingDbContext db, Guid id, string owner, CancellationToken cancellationToken)
    {
        await db.Database.ExecuteSqlAsync($"SELECT 1 FROM access_requests WHERE id = {id} FOR UPDATE", cancellationToken);
        return await db.Requests.Include(r => r.History)
            .SingleOrDefaultAsync(r => r.Id == id && r.Direction == AccessRequestStatus.Outgoing && r.OwnerDepartment == owner, cancellationToken);
    }
}
