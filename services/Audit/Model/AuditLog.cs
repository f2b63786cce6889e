using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Platform.Audit.Infrastructure;

namespace Platform.Audit.Model;

/// <summary>Appends to and verifies the hash chain. Appends take one lock so the chain has one total order.</summary>
public sealed class AuditLog(AuditDbContext db, TimeProvider clock)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    // Any constant works; it only has to be the same for every writer of this database.
    private const long ChainLockKey = 0x4155_4449_545F_4C47;

    /// <summary>
    /// Adds an entry to the context, chained to the current head. Must run inside the caller's transaction:
    /// the advisory lock it takes is held until that transaction ends, so concurrent appends cannot fork.
    /// </summary>
    public async Task<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit appends must run inside a transaction.");
        }
        await db.Database.ExecuteSqlAsync($"SELECT pg_advisory_xact_lock({ChainLockKey})", cancellationToken);
        var head = await db.Entries.AsNoTracking().OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(cancellationToken);

        var entry = new AuditEntry
        {
            Sequence = (head?.Sequence ?? 0) + 1,
            OccurredAt = ToMicroseconds(auditEvent.OccurredAt),
            RecordedAt = ToMicroseconds(clock.GetUtcNow()),
            Department = auditEvent.Department,
            Actor = auditEvent.Actor,
            Action = auditEvent.Action,
            Subject = auditEvent.Subject,
            Outcome = auditEvent.Outcome,
            TraceId = Activity.Current?.TraceId.ToString(),
            MessageId = auditEvent.MessageId,
            Details = JsonSerializer.Serialize(auditEvent.Details, JsonSerializerOptions.Web),
            PreviousHash = head?.Hash ?? GenesisHash,
            Hash = "",
        };
        entry.Hash = entry.ComputeHash();
        db.Entries.Add(entry);
        return entry;
    }

    // PostgreSQL keeps microseconds; hashing more precision than is stored would break verification.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % (TimeSpan.TicksPerMillisecond / 1000), TimeSpan.Zero);

    /// <summary>Recomputes the chain in order; reports the first entry whose hash or link does not hold.</summary>
    public async Task<ChainVerification> VerifyAsync(CancellationToken cancellationToken)
    {
        var previous = GenesisHash;
        long count = 0;
        await foreach (var entry in db.Entries.AsNoTracking().OrderBy(e => e.Sequence).AsAsyncEnumerable().WithCancellation(cancellationToken))
        {
            count++;
            if (entry.Sequence != count)
            {
                return new ChainVerification(false, count - 1, previous, entry.Sequence, $"Sequence gap: expected {count}, found {entry.Sequence}.");
            }
            if (entry.PreviousHash != previous)
            {
                return new ChainVerification(false, count - 1, previous, entry.Sequence, "Entry does not link to the previous entry's hash.");
            }
            if (entry.ComputeHash() != entry.Hash)
            {
                return new ChainVerification(false, count - 1, previous, entry.Sequence, "Entry content does not match its hash.");
            }
            previous = entry.Hash;
        }
        return new ChainVerification(true, count, previous, null, null);
    }
}

/// <summary>Result of a chain check: how many entries held, the head hash, and the first broken entry if any.</summary>
public sealed record ChainVerification(bool Valid, long Entries, string Head, long? FirstBrokenSequence, string? Reason);
