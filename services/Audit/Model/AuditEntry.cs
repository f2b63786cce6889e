using System.Buffers;
using System.Text.Json;

namespace Platform.Audit.Model;

/// <summary>
/// One line of the node's append-only log. <see cref="Hash"/> covers the entry's canonical form including
/// <see cref="PreviousHash"/>, so changing any earlier entry breaks every hash after it.
/// </summary>
public sealed class AuditEntry
{
    // Column lengths (audit_entries): longer values are stored cut, with a marker and their hash (StoredText).
    public const int DepartmentLength = 40;
    public const int ActorLength = 200;
    public const int ActionLength = 100;
    public const int SubjectLength = 200;
    public const int OutcomeLength = 40;
    public const int TraceIdLength = 32;

    public long Sequence { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset RecordedAt { get; set; }
    public required string Department { get; set; }
    public required string Actor { get; set; }
    public required string Action { get; set; }
    public string? Subject { get; set; }
    public required string Outcome { get; set; }
    public string? TraceId { get; set; }
    public Guid? MessageId { get; set; }
    public required string Details { get; set; }
    public required string PreviousHash { get; set; }
    public required string Hash { get; set; }

    /// <summary>The algorithm of <see cref="Hash"/> (<c>sha256</c> or <c>sm3</c>); part of the hashed form, so it cannot be swapped.</summary>
    public string HashAlgorithm { get; set; } = ChainHash.Sha256;

    /// <summary>The hash of this entry's canonical form, lower-case hex.</summary>
    public string ComputeHash()
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        WriteCanonical(buffer);
        return ChainHash.Hex(HashAlgorithm, buffer.WrittenSpan);
    }

    /// <summary>
    /// The exact bytes that are hashed: a compact JSON array of the fields in this fixed order (System.Text.Json's default
    /// escaping, times as round-trip UTC strings). An export line is exactly these bytes, so auditors hash lines as they are.
    /// </summary>
    public void WriteCanonical(IBufferWriter<byte> output)
    {
        using var json = new Utf8JsonWriter(output);
        json.WriteStartArray();
        json.WriteNumberValue(Sequence);
        json.WriteStringValue(OccurredAt.UtcDateTime.ToString("O"));
        json.WriteStringValue(RecordedAt.UtcDateTime.ToString("O"));
        json.WriteStringValue(Department);
        json.WriteStringValue(Actor);
        json.WriteStringValue(Action);
        WriteNullable(json, Subject);
        json.WriteStringValue(Outcome);
        WriteNullable(json, TraceId);
        if (MessageId is { } messageId) json.WriteStringValue(messageId); else json.WriteNullValue();
        json.WriteStringValue(Details);
        json.WriteStringValue(PreviousHash);
        json.WriteStringValue(HashAlgorithm);
        json.WriteEndArray();
    }

    private static void WriteNullable(Utf8JsonWriter json, string? value)
    {
        if (value is null) json.WriteNullValue(); else json.WriteStringValue(value);
    }
}

/// <summary>What happened, before it gets its place and hash in the chain.</summary>
public sealed record AuditEvent(
    DateTimeOffset OccurredAt,
    string Department,
    string Actor,
    string Action,
    string? Subject,
    string Outcome,
    object Details,
    Guid? MessageId = null,
    string? TraceId = null);
