using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Contracts;
using Platform.Notification.Infrastructure;
using Platform.Notification.Model;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Input;

namespace Platform.Notification.Apis;

/// <summary>The department's in-app notifications: a paged inbox, mark as read, and a live Server-Sent Events stream.</summary>
public static class InboxApi
{
    private const int StreamBatch = 100;
    private const string StreamRetryAfterSeconds = "10";
    private static readonly TimeSpan Heartbeat = TimeSpan.FromSeconds(20);

    public static IEndpointRouteBuilder MapInboxApi(this IEndpointRouteBuilder app)
    {
        var api = app.MapGroup("/api/notify").WithTags("Inbox");
        api.MapGet("/inbox", ListInbox).WithSummary("This department's notifications, newest first (status=unread|read|all).");
        api.MapPost("/inbox/{id:guid}/read", MarkRead).WithSummary("Mark one notification read.");
        api.MapGet("/stream", Stream)
            .WithSummary("New notifications as Server-Sent Events (event 'notification', id = sequence; send Last-Event-ID to resume); "
                + "a client may hold a few streams open at once (Notification:Inbox:MaxStreamsPerClient), more get 429.");
        return app;
    }

    internal static async Task<Results<Ok<InboxPage>, ValidationProblem>> ListInbox(
        string? status, int? page, int? pageSize, NotificationDbContext db, IOptions<NodeOptions> node, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, string[]>();
        if (status is not null and not ("unread" or "read" or "all"))
        {
            errors["status"] = ["Use unread, read or all."];
        }
        if (page is < 1)
        {
            errors["page"] = ["Pages start at 1."];
        }
        if (pageSize is < 1 or > 200)
        {
            errors["pageSize"] = ["Give 1 to 200."];
        }
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }
        var (number, size) = (page ?? 1, pageSize ?? 50);
        var own = db.InboxItems.AsNoTracking().Where(i => i.Department == node.Value.Id);
        var query = status switch
        {
            "unread" => own.Where(i => i.ReadAt == null),
            "read" => own.Where(i => i.ReadAt != null),
            _ => own,
        };
        var total = await query.CountAsync(cancellationToken);
        var unread = await own.CountAsync(i => i.ReadAt == null, cancellationToken);
        var items = await query.OrderByDescending(i => i.Sequence).Skip(PageOffset.Of(number, size)).Take(size).ToListAsync(cancellationToken);
        return TypedResults.Ok(new InboxPage(items.Select(InboxItemView.From).ToArray(), total, unread, number, size));
    }

    internal static async Task<Results<Ok<InboxItemView>, NotFound>> MarkRead(
        Guid id, NotificationDbContext db, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        var item = await db.InboxItems.SingleOrDefaultAsync(i => i.Id == id && i.Department == node.Value.Id, cancellationToken);
        if (item is null)
        {
            return TypedResults.NotFound();
        }
        item.ReadAt ??= clock.GetUtcNow();
        await db.SaveChangesAsync(cancellationToken);
        return TypedResults.Ok(InboxItemView.From(item));
    }

    internal static Results<ServerSentEventsResult<InboxItemView?>, ProblemHttpResult> Stream(
        [FromHeader(Name = "Last-Event-ID")] long? lastEventId, HttpContext context, InboxStreamLimit limit, InboxSignal signal,
        IServiceScopeFactory scopes, IOptions<NodeOptions> node, TimeProvider clock, CancellationToken cancellationToken)
    {
        var user = context.User;
        var client = user.FindFirst(PlatformClaims.ClientId)?.Value ?? user.FindFirst(PlatformClaims.Subject)?.Value ?? "";
        if (limit.TryOpen(client) is not { } lease)
        {
            context.Response.Headers.RetryAfter = StreamRetryAfterSeconds;
            return TypedResults.Problem(
                $"This client already has {limit.MaxPerClient} notification streams open; close one (or retry later).",
                statusCode: StatusCodes.Status429TooManyRequests, title: "Too many open streams");
        }
        // Disposed when the request ends, however it ends, so the stream's place is given back.
        context.Response.RegisterForDispose(lease);
        return TypedResults.ServerSentEvents(Watch(lastEventId, scopes, signal, node.Value.Id, clock, cancellationToken));
    }

    // Woken by the inbox signal (a NOTIFY from whichever replica wrote), so a quiet stream runs no queries.
    private static async IAsyncEnumerable<SseItem<InboxItemView?>> Watch(long? lastEventId, IServiceScopeFactory scopes, InboxSignal signal,
        string department, TimeProvider clock, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<NotificationDbContext>();
        var changed = signal.NextChange;
        var after = lastEventId ?? await db.InboxItems.Where(i => i.Department == department).MaxAsync(i => (long?)i.Sequence, cancellationToken) ?? 0;
        // An immediate comment-free event tells the client (and any proxy) the stream is open.
        yield return new SseItem<InboxItemView?>(null, "ready");
        var quietSince = clock.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested)
        {
            var items = await db.InboxItems.AsNoTracking().Where(i => i.Department == department && i.Sequence > after)
                .OrderBy(i => i.Sequence).Take(StreamBatch).ToListAsync(cancellationToken);
            foreach (var item in items)
            {
                after = item.Sequence;
                yield return new SseItem<InboxItemView?>(InboxItemView.From(item), "notification") { EventId = item.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture) };
            }
            if (items.Count > 0)
            {
                quietSince = clock.GetUtcNow();
            }
            if (items.Count == StreamBatch)
            {
                continue;
            }
            var untilHeartbeat = Heartbeat - (clock.GetUtcNow() - quietSince);
            if (untilHeartbeat > TimeSpan.Zero)
            {
                await changed.WaitAsync(untilHeartbeat, clock, cancellationToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            if (cancellationToken.IsCancellationRequested)
            {
                break;
            }
            if (!changed.IsCompleted)
            {
                // Quiet for a while: a heartbeat keeps proxies from closing the stream, and the look that follows covers a lost signal.
                quietSince = clock.GetUtcNow();
                yield return new SseItem<InboxItemView?>(null, "heartbeat");
            }
            // Taken before the next look, so an item committed during it wakes the stream again.
            changed = signal.NextChange;
        }
    }
}

/// <summary>One page of the inbox, with how many items are unread in all.</summary>
public sealed record InboxPage(InboxItemView[] Items, int Total, int Unread, int Page, int PageSize);

/// <summary>One notification: what happened (a Chinese one-line summary) and the event itself.</summary>
public sealed record InboxItemView(Guid Id, long Sequence, string EventType, string Summary, JsonElement Event, DateTimeOffset CreatedAt, DateTimeOffset? ReadAt)
{
    public static InboxItemView From(InboxItem i) =>
        new(i.Id, i.Sequence, i.EventType, i.Summary, JsonDocument.Parse(i.Payload).RootElement.Clone(), i.CreatedAt, i.ReadAt);
}
