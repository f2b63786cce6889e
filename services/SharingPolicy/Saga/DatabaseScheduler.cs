using System.Diagnostics;
using System.Text.Json;
using MassTransit;
using MassTransit.Scheduling;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.ServiceDefaults;
using Platform.SharingPolicy.Infrastructure;
using Platform.SharingPolicy.Model;

namespace Platform.SharingPolicy.Saga;

/// <summary>
/// A message the saga scheduled for itself (a timeout), kept in the service's database until it is due. It is written
/// by the transition that schedules it, in the same transaction, so a timeout exists exactly when the state that
/// expects it was committed.
/// </summary>
public sealed class DeferredMessage
{
    /// <summary>MassTransit's scheduling token; also the message id it is sent with, so a resend is a redelivery.</summary>
    public Guid TokenId { get; set; }
    public required string Destination { get; set; }
    public required string MessageType { get; set; }
    public required string Body { get; set; }
    public DateTimeOffset DueAt { get; set; }
    public DateTimeOffset ScheduledAt { get; set; }
    public int Attempts { get; set; }
    public string? LastError { get; set; }

    /// <summary>W3C trace context of the transition that scheduled it, so the timeout continues the request's trace.</summary>
    public string? TraceParent { get; set; }
    public string? TraceState { get; set; }
}

/// <summary>
/// MassTransit's scheduler seam (<see cref="IScheduleMessageProvider"/>) over <see cref="DeferredMessage"/>: the state
/// machine's <c>Schedule</c>/<c>Unschedule</c> add and remove rows in the saga's own unit of work, and
/// <see cref="DeferredMessageDispatcher"/> sends them when due. No broker plugin, and it survives restarts.
/// </summary>
internal sealed class DatabaseScheduleMessageProvider(SharingDbContext db, TimeProvider clock) : IScheduleMessageProvider
{
    public Task<ScheduledMessage<T>> ScheduleSend<T>(Uri destinationAddress, DateTime scheduledTime, T message, IPipe<SendContext<T>> pipe,
        CancellationToken cancellationToken) where T : class
    {
        var tokenId = NewId.NextGuid();
        db.DeferredMessages.Add(new DeferredMessage
        {
            TokenId = tokenId,
            Destination = QueueOf(destinationAddress),
            MessageType = typeof(T).FullName!,
            Body = JsonSerializer.Serialize(message, JsonSerializerOptions.Web),
            DueAt = new DateTimeOffset(DateTime.SpecifyKind(scheduledTime, DateTimeKind.Utc)),
            ScheduledAt = clock.GetUtcNow(),
            TraceParent = Activity.Current?.Id,
            TraceState = Activity.Current?.TraceStateString,
        });
        return Task.FromResult<ScheduledMessage<T>>(new ScheduledMessageHandle<T>(tokenId, scheduledTime, destinationAddress, message));
    }

    public async Task CancelScheduledSend(Guid tokenId, CancellationToken cancellationToken)
    {
        if (db.DeferredMessages.Local.FirstOrDefault(m => m.TokenId == tokenId) is { } pending)
        {
            db.DeferredMessages.Remove(pending);
            return;
        }
        await db.DeferredMessages.Where(m => m.TokenId == tokenId).ExecuteDeleteAsync(cancellationToken);
    }

    public Task CancelScheduledSend(Uri destinationAddress, Guid tokenId, CancellationToken cancellationToken) =>
        CancelScheduledSend(tokenId, cancellationToken);

    /// <summary>
    /// The endpoint by name (its exchange, <c>exchange:…</c>), not the broker address it was received from: the broker may
    /// move, and addressing the queue would declare it again without its quorum type.
    /// </summary>
    private static string QueueOf(Uri address) => $"exchange:{address.AbsolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Last()}";
}

/// <summary>
/// Sends deferred messages when due, oldest first, and deletes them in the same transaction. Rows are taken with
/// FOR UPDATE SKIP LOCKED so replicas share the work; a message sent but not deleted (crash) is sent again with the
/// same message id, which the saga's inbox turns into a no-op.
/// </summary>
internal sealed partial class DeferredMessageDispatcher(IServiceScopeFactory scopes, IBus bus, IOptions<SharingOptions> options,
    IOptions<NodeOptions> node, TimeProvider clock, ILogger<DeferredMessageDispatcher> logger) : BackgroundService
{
    private static readonly System.Reflection.Assembly Messages = typeof(ReviewDeadlineReached).Assembly;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var adopted = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!adopted)
                {
                    await AdoptUnscheduledReviewsAsync(stoppingToken);
                    adopted = true;
                }
                while (await DispatchDueAsync(stoppingToken) > 0)
                {
                }
            }
            catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
            {
                LogFailed(logger, ex.Message);
            }
            try
            {
                await Task.Delay(options.Value.SchedulerPollInterval, clock, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    internal async Task<int> DispatchDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = await db.DeferredMessages
            .FromSql($"SELECT * FROM deferred_messages WHERE due_at <= {now} ORDER BY due_at LIMIT 100 FOR UPDATE SKIP LOCKED")
            .ToListAsync(cancellationToken);
        var sent = 0;
        foreach (var message in due)
        {
            try
            {
                var type = Messages.GetType(message.MessageType) ?? throw new InvalidOperationException($"Unknown scheduled message type '{message.MessageType}'.");
                var body = JsonSerializer.Deserialize(message.Body, type, JsonSerializerOptions.Web)!;
                var endpoint = await bus.GetSendEndpoint(new Uri(message.Destination));
                // Sent within the trace of the transition that scheduled it (MassTransit carries the current activity).
                using var activity = Telemetry.StartStoredSend($"scheduled send {type.Name}", message.TraceParent, message.TraceState, message.TokenId);
                await endpoint.Send(body, type, context =>
                {
                    context.MessageId = message.TokenId;
                    context.Headers.Set(MessageHeaders.SchedulingTokenId, message.TokenId.ToString());
                }, cancellationToken);
                db.DeferredMessages.Remove(message);
                sent++;
            }
            catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
            {
                message.Attempts++;
                message.LastError = ex.Message.Length > 2000 ? ex.Message[..2000] : ex.Message;
                LogSendFailed(logger, message.TokenId, message.MessageType, ex.Message);
            }
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return sent;
    }

    /// <summary>
    /// Reviews left pending by the version before the saga (its deadlines were swept, never scheduled) get their
    /// deadline timeout now, so none is forgotten. Reviews the saga started always carry a token or the overdue flag.
    /// </summary>
    internal async Task AdoptUnscheduledReviewsAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<SharingDbContext>();
        var destination = $"exchange:{AccessRequestSagaDefinition.QueueName(node.Value.Id)}";
        var messageType = typeof(ReviewDeadlineReached).FullName!;
        var adopted = await db.Database.ExecuteSqlAsync($"""
            WITH adopted AS (
                UPDATE access_requests SET review_deadline_token = gen_random_uuid()
                WHERE direction = {AccessRequestStatus.Incoming} AND status = {AccessRequestStatus.PendingReview} AND NOT overdue
                  AND review_deadline IS NOT NULL AND review_deadline_token IS NULL
                RETURNING id, review_deadline_token, review_deadline)
            INSERT INTO deferred_messages (token_id, destination, message_type, body, due_at, scheduled_at, attempts)
            SELECT review_deadline_token, {destination}, {messageType}, jsonb_build_object('requestId', id), review_deadline, now(), 0 FROM adopted
            """, cancellationToken);
        if (adopted > 0)
        {
            LogAdopted(logger, adopted);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Scheduled the review deadline of {Count} pending access requests from before the saga")]
    private static partial void LogAdopted(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Sending scheduled message {TokenId} ({MessageType}) failed: {Reason}; will retry")]
    private static partial void LogSendFailed(ILogger logger, Guid tokenId, string messageType, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Scheduled message dispatch failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, string reason);
}
