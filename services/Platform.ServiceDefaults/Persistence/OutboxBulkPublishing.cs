using System.Diagnostics;
using System.Text.Json;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Outbox rows for many events at once: built with <see cref="Row{T}"/> (the row <see cref="PlatformDbContext.Publish{T}"/>
/// would add) and written by <see cref="PublishAllAsync"/> with one COPY inside the caller's transaction, in the order given.
/// </summary>
public static class OutboxBulkPublishing
{
    /// <summary>The outbox row announcing <paramref name="message"/>, traced under the current activity.</summary>
    public static OutboxMessage Row<T>(T message) where T : class
    {
        var current = Activity.Current;
        return new OutboxMessage
        {
            MessageId = Guid.CreateVersion7(),
            MessageType = typeof(T).FullName!,
            Body = JsonSerializer.Serialize(message, JsonSerializerOptions.Web),
            TraceParent = current?.Id,
            TraceState = current?.TraceStateString,
            CreatedAt = DateTimeOffset.UtcNow,
        };
    }

    /// <summary>
    /// Writes <paramref name="rows"/> in the current transaction (required: the events commit with the state change they
    /// announce); the dispatcher is woken once it commits, as for <see cref="PlatformDbContext.Publish{T}"/>.
    /// </summary>
    public static async Task PublishAllAsync(this PlatformDbContext db, IReadOnlyCollection<OutboxMessage> rows, CancellationToken cancellationToken)
    {
        if (rows.Count == 0)
        {
            return;
        }
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Outbox rows are written inside the transaction of the change they announce.");
        }
        await db.CopyAsync(rows, cancellationToken);
        db.HasNewOutboxMessages = true;
    }
}
