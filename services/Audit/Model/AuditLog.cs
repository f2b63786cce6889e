using System.Buffers;
using System.Diagnostics;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Platform.Audit.Infrastructure;
using Platform.ServiceDefaults;

namespace Platform.Audit.Model;

/// <summary>Appends to and verifies the hash chain. Appends take one lock so the chain has one total order.</summary>
public sealed class AuditLog(AuditDbContext db, TimeProvider clock, IOptions<AuditOptions> options)
{
    public const string GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000";

    // Any constant works; it only has to be the same for every writer of this database.
    internal const long ChainLockKey = 0x4155_4449_545F_4C47;

    private const string Columns =
        "sequence, occurred_at, recorded_at, department, actor, action, subject, outcome, trace_id, message_id, details, previous_hash, hash, hash_algorithm";

    /// <summary>
    /// Appends one entry chained to the current head. Must run inside the caller's transaction: the advisory lock it
    /// takes is held until that transaction ends, so concurrent appends cannot fork.
    /// </summary>
    public async Task<AuditEntry> AppendAsync(AuditEvent auditEvent, CancellationToken cancellationToken) =>
        (await AppendManyAsync([auditEvent], cancellationToken))[0];

    /// <summary>Appends several entries in order under one lock and one COPY: the fast path for batches.</summary>
    public async Task<IReadOnlyList<AuditEntry>> AppendManyAsync(IReadOnlyList<AuditEvent> events, CancellationToken cancellationToken)
    {
        if (db.Database.CurrentTransaction is null)
        {
            throw new InvalidOperationException("Audit appends must run inside a transaction.");
        }
        if (events.Count == 0) return [];

        // Serialising and masking need no chain position, so they happen before the lock: the section that holds it stays short.
        // Free text (paths, titles, comments) can carry ID-card or phone numbers; the log keeps them masked. Values come
        // from outside (a 300-character path, a client id with a NUL): they are made to fit, after masking, so the
        // hash in a truncation marker never reveals a number the log masks, and no entry can fail for its content.
        var prepared = events.Select(e => (
                Event: e with
                {
                    Department = StoredText.Fit(e.Department, AuditEntry.DepartmentLength),
                    Action = StoredText.Fit(e.Action, AuditEntry.ActionLength),
                    Outcome = StoredText.Fit(e.Outcome, AuditEntry.OutcomeLength),
                    TraceId = StoredText.FitOrNull(e.TraceId, AuditEntry.TraceIdLength),
                },
                Actor: StoredText.Fit(PersonalData.Mask(e.Actor)!, AuditEntry.ActorLength),
                Subject: StoredText.FitOrNull(PersonalData.Mask(e.Subject), AuditEntry.SubjectLength),
                Details: StoredText.Fit(
                    PersonalData.Mask(e.Details as string ?? JsonSerializer.Serialize(e.Details, JsonSerializerOptions.Web))!, int.MaxValue)))
            .ToList();

        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        long sequence;
        string previous;
        await using (var head = new NpgsqlCommand(
            $"SELECT pg_advisory_xact_lock({ChainLockKey}); SELECT sequence, hash FROM audit_entries ORDER BY sequence DESC LIMIT 1", connection))
        await using (var reader = await head.ExecuteReaderAsync(cancellationToken))
        {
            await reader.NextResultAsync(cancellationToken);
            (sequence, previous) = await reader.ReadAsync(cancellationToken) ? (reader.GetInt64(0), reader.GetString(1)) : (0L, GenesisHash);
        }

        var algorithm = options.Value.HashAlgorithm;
        var recordedAt = ToMicroseconds(clock.GetUtcNow());
        var entries = new List<AuditEntry>(events.Count);
        var canonical = new ArrayBufferWriter<byte>(1024);
        foreach (var (auditEvent, actor, subject, details) in prepared)
        {
            var entry = new AuditEntry
            {
                Sequence = ++sequence,
                OccurredAt = ToMicroseconds(auditEvent.OccurredAt),
                RecordedAt = recordedAt,
                Department = auditEvent.Department,
                Actor = actor,
                Action = auditEvent.Action,
                Subject = subject,
                Outcome = auditEvent.Outcome,
                TraceId = auditEvent.TraceId ?? Activity.Current?.TraceId.ToString(),
                MessageId = auditEvent.MessageId,
                Details = details,
                PreviousHash = previous,
                Hash = "",
                HashAlgorithm = algorithm,
            };
            canonical.ResetWrittenCount();
            entry.WriteCanonical(canonical);
            entry.Hash = ChainHash.Hex(algorithm, canonical.WrittenSpan);
            previous = entry.Hash;
            entries.Add(entry);
        }

        await using (var copy = await connection.BeginBinaryImportAsync($"COPY audit_entries ({Columns}) FROM STDIN (FORMAT BINARY)", cancellationToken))
        {
            foreach (var entry in entries)
            {
                await copy.StartRowAsync(cancellationToken);
                await copy.WriteAsync(entry.Sequence, NpgsqlDbType.Bigint, cancellationToken);
                await copy.WriteAsync(entry.OccurredAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(entry.RecordedAt, NpgsqlDbType.TimestampTz, cancellationToken);
                await copy.WriteAsync(entry.Department, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(entry.Actor, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(entry.Action, NpgsqlDbType.Varchar, cancellationToken);
                await WriteNullableAsync(copy, entry.Subject, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(entry.Outcome, NpgsqlDbType.Varchar, cancellationToken);
                await WriteNullableAsync(copy, entry.TraceId, NpgsqlDbType.Varchar, cancellationToken);
                if (entry.MessageId is { } messageId) await copy.WriteAsync(messageId, NpgsqlDbType.Uuid, cancellationToken);
                else await copy.WriteNullAsync(cancellationToken);
                await copy.WriteAsync(entry.Details, NpgsqlDbType.Text, cancellationToken);
                await copy.WriteAsync(entry.PreviousHash, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(entry.Hash, NpgsqlDbType.Varchar, cancellationToken);
                await copy.WriteAsync(entry.HashAlgorithm, NpgsqlDbType.Varchar, cancellationToken);
            }
            await copy.CompleteAsync(cancellationToken);
        }
        return entries;
    }

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken cancellationToken) =>
        value is null ? copy.WriteNullAsync(cancellationToken) : copy.WriteAsync(value, type, cancellationToken);

    // PostgreSQL keeps microseconds; hashing more precision than is stored would break verification.
    private static DateTimeOffset ToMicroseconds(DateTimeOffset value) =>
        new(value.UtcTicks - value.UtcTicks % (TimeSpan.TicksPerMillisecond / 1000), TimeSpan.Zero);

    /// <summary>Recomputes the whole chain in order; reports the first entry whose hash or link does not hold.</summary>
    public Task<ChainVerification> VerifyAsync(CancellationToken cancellationToken) => VerifyAsync(null, null, cancellationToken);

    /// <summary>
    /// Recomputes entries <paramref name="from"/>..<paramref name="to"/> (sequence numbers, inclusive; null = first/last).
    /// A range starts from the stored hash of the entry before it, so it proves the range is consistent with that anchor.
    /// </summary>
    public async Task<ChainVerification> VerifyAsync(long? from, long? to, CancellationToken cancellationToken)
    {
        var first = Math.Max(from ?? 1, 1);
        var connection = (NpgsqlConnection)db.Database.GetDbConnection();
        var opened = connection.State != System.Data.ConnectionState.Open;
        if (opened) await connection.OpenAsync(cancellationToken);
        try
        {
            var previous = GenesisHash;
            if (first > 1)
            {
                await using var anchor = new NpgsqlCommand("SELECT hash FROM audit_entries WHERE sequence = $1", connection) { Parameters = { new() { Value = first - 1 } } };
                if (await anchor.ExecuteScalarAsync(cancellationToken) is not string anchorHash)
                {
                    return new ChainVerification(false, 0, previous, first - 1, $"Entry {first - 1}, the anchor of the range, is missing.", first, to);
                }
                previous = anchorHash;
            }

            await using var command = new NpgsqlCommand(
                $"SELECT {Columns} FROM audit_entries WHERE sequence >= $1 AND sequence <= $2 ORDER BY sequence", connection)
            {
                Parameters = { new() { Value = first }, new() { Value = to ?? long.MaxValue } },
            };
            await using var reader = await command.ExecuteReaderAsync(System.Data.CommandBehavior.SequentialAccess, cancellationToken);
            var buffer = new ArrayBufferWriter<byte>(1024);
            var digest = new byte[32];
            var expected = new byte[32];
            long count = 0;
            var next = first;
            while (await reader.ReadAsync(cancellationToken))
            {
                var entry = Read(reader);
                if (entry.Sequence != next)
                {
                    return Broken(next, $"Sequence gap: expected {next}, found {entry.Sequence}.");
                }
                if (entry.PreviousHash != previous)
                {
                    return Broken(entry.Sequence, "Entry does not link to the previous entry's hash.");
                }
                if (!ChainHash.IsSupported(entry.HashAlgorithm))
                {
                    return Broken(entry.Sequence, $"Unknown hash algorithm '{entry.HashAlgorithm}'.");
                }
                buffer.ResetWrittenCount();
                entry.WriteCanonical(buffer);
                ChainHash.Compute(entry.HashAlgorithm, buffer.WrittenSpan, digest);
                if (entry.Hash.Length != 64 || Convert.FromHexString(entry.Hash, expected, out _, out _) != System.Buffers.OperationStatus.Done
                    || !digest.AsSpan().SequenceEqual(expected))
                {
                    return Broken(entry.Sequence, "Entry content does not match its hash.");
                }
                previous = entry.Hash;
                count++;
                next++;
            }
            return new ChainVerification(true, count, previous, null, null, first, count == 0 ? null : next - 1);

            ChainVerification Broken(long sequence, string reason) =>
                new(false, count, previous, sequence, reason, first, count == 0 ? null : next - 1);
        }
        finally
        {
            if (opened) await connection.CloseAsync();
        }
    }

    /// <summary>Reads one row selected with the column list of this class.</summary>
    internal static AuditEntry Read(NpgsqlDataReader reader) => new()
    {
        Sequence = reader.GetInt64(0),
        OccurredAt = reader.GetFieldValue<DateTimeOffset>(1),
        RecordedAt = reader.GetFieldValue<DateTimeOffset>(2),
        Department = reader.GetString(3),
        Actor = reader.GetString(4),
        Action = reader.GetString(5),
        Subject = reader.IsDBNull(6) ? null : reader.GetString(6),
        Outcome = reader.GetString(7),
        TraceId = reader.IsDBNull(8) ? null : reader.GetString(8),
        MessageId = reader.IsDBNull(9) ? null : reader.GetGuid(9),
        Details = reader.GetString(10),
        PreviousHash = reader.GetString(11),
        Hash = reader.GetString(12),
        HashAlgorithm = reader.GetString(13),
    };

    internal const string SelectColumns = Columns;
}

/// <summary>
/// Result of a chain check: how many entries held, the last good hash, the first broken entry if any, and the range checked.
/// </summary>
public sealed record ChainVerification(
    bool Valid, long Entries, string Head, long? FirstBrokenSequence, string? Reason, long? From = null, long? To = null,
    IReadOnlyList<WitnessReport>? Witnesses = null);
