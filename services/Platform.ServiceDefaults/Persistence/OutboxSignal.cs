using System.Data.Common;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>Wakes a background worker as soon as rows it works on may have committed, instead of waiting for its next poll.</summary>
public class WakeSignal : IDisposable
{
    private readonly SemaphoreSlim _pending = new(0, 1);

    public void Notify()
    {
        if (_pending.CurrentCount == 0)
        {
            try { _pending.Release(); }
            catch (SemaphoreFullException) { /* already signalled */ }
        }
    }

    public void Dispose()
    {
        _pending.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>True when woken, false when <paramref name="timeout"/> passed first.</summary>
    public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) =>
        _pending.WaitAsync(timeout, cancellationToken);
}

/// <summary>Wakes the outbox dispatcher.</summary>
public sealed class OutboxSignal : WakeSignal;

/// <summary>
/// Calls <see cref="NotifyIfNew"/> once a save's rows are visible to other connections: after the save, or after the
/// commit when the save ran in a transaction.
/// </summary>
public abstract class CommitSignalInterceptor : DbTransactionInterceptor, ISaveChangesInterceptor
{
    public override Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        NotifyIfNew(eventData.Context);
        return Task.CompletedTask;
    }

    public override void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => NotifyIfNew(eventData.Context);

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        SavedChanges(eventData, result);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        if (eventData.Context?.Database.CurrentTransaction is null)
        {
            NotifyIfNew(eventData.Context);
        }
        return result;
    }

    /// <summary>Wakes the worker if <paramref name="context"/> wrote rows for it since the last call (and forgets that it did).</summary>
    protected abstract void NotifyIfNew(DbContext? context);
}

/// <summary>
/// Wakes the dispatcher once rows that <see cref="PlatformDbContext.Publish{T}"/> queued are visible: after the save,
/// or after the commit when the save ran in a transaction. Saves without new messages (the dispatcher's own
/// marking among them) wake nothing, or the dispatcher would wake itself forever.
/// </summary>
internal sealed class OutboxSignalInterceptor(OutboxSignal signal) : CommitSignalInterceptor
{
    protected override void NotifyIfNew(DbContext? context)
    {
        if (context is PlatformDbContext { HasNewOutboxMessages: true } platform)
        {
            platform.HasNewOutboxMessages = false;
            signal.Notify();
        }
    }
}
