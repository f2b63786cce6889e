using System.Collections.Concurrent;
using System.ComponentModel.DataAnnotations;
using System.Threading.Channels;
using Platform.Contracts;

namespace Platform.Audit.Model;

/// <summary>A checkpoint this node made of its own chain.</summary>
public sealed class OwnCheckpoint
{
    public long Sequence { get; set; }
    public required string Head { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string KeyId { get; set; }
    public required string Signature { get; set; }
}

/// <summary>A peer's checkpoint that this node keeps as a witness.</summary>
public sealed class WitnessedCheckpoint
{
    public required string Node { get; set; }
    public long Sequence { get; set; }
    public required string Head { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string KeyId { get; set; }
    public required string Signature { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }
}

/// <summary>A peer's public key, pinned the first time one of its checkpoints arrived (trust on first use).</summary>
public sealed class PeerKey
{
    public required string Node { get; set; }
    public required string KeyId { get; set; }
    public required string PublicKeyPem { get; set; }
    public DateTimeOffset FirstSeenAt { get; set; }
}

/// <summary>Settings of checkpoints and witnesses (section <c>Audit:Checkpoints</c>).</summary>
public sealed class CheckpointOptions
{
    public const string Section = "Audit:Checkpoints";

    /// <summary>A checkpoint after this many new entries…</summary>
    [Range(1, 10_000_000)]
    public int EveryEntries { get; set; } = 1000;

    /// <summary>…or this long after the last one, whichever comes first (only if there are new entries).</summary>
    public TimeSpan Interval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>How long <c>verify?witnesses=true</c> waits for peers' answers.</summary>
    public TimeSpan WitnessWait { get; set; } = TimeSpan.FromSeconds(3);
}

/// <summary>Matches peers' answers to the verification that asked for them.</summary>
public sealed class WitnessCollector
{
    private readonly ConcurrentDictionary<Guid, Channel<WitnessCopiesProvided>> _waiting = new();

    public Channel<WitnessCopiesProvided> Open(Guid requestId) =>
        _waiting[requestId] = Channel.CreateUnbounded<WitnessCopiesProvided>();

    public void Close(Guid requestId) => _waiting.TryRemove(requestId, out _);

    public void Deliver(WitnessCopiesProvided answer)
    {
        if (_waiting.TryGetValue(answer.RequestId, out var channel)) channel.Writer.TryWrite(answer);
    }
}

/// <summary>What one witness holds of this node's chain and whether it agrees.</summary>
public sealed record WitnessReport(string Witness, int Checkpoints, int Matched, long? FirstMismatchSequence, string? Reason);
