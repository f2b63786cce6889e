using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Platform.Audit.Model;

/// <summary>
/// One line of the node's append-only log. <see cref="Hash"/> covers the entry's canonical form including
/// <see cref="PreviousHash"/>, so changing any earlier entry breaks every hash after it.
/// </summary>
public sealed class AuditEntry
{
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

    /// <summary>The hash of this entry's canonical form (a JSON array of its fields in fixed order), hex SHA-256.</summary>
    public string ComputeHash()
    {
        var canonical = JsonSerializer.Serialize(new object?[]
        {
            Sequence, OccurredAt.UtcDateTime.ToString("O"), RecordedAt.UtcDateTime.ToString("O"), Department, Actor, Action,
            Subject, Outcome, TraceId, MessageId, Details, PreviousHash,
        });
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(canonical)));
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
    Guid? MessageId = null);
