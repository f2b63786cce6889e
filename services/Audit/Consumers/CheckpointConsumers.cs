using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Audit.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.ServiceDefaults.Persistence;

namespace Platform.Audit.Consumers;

/// <summary>
/// Keeps peers' checkpoints as witness copies. The peer's key is pinned on first use per department; a checkpoint signed
/// by another key, or with a bad signature, is not stored (and is logged). Pinning moves to the node directory once nodes
/// announce their keys there.
/// </summary>
public sealed partial class AuditCheckpointConsumer(AuditDbContext db, IOptions<NodeOptions> node, TimeProvider clock,
    ILogger<AuditCheckpointConsumer> logger) : IdempotentConsumer<AuditDbContext, AuditCheckpoint>(db)
{
    protected override async Task HandleAsync(ConsumeContext<AuditCheckpoint> context, CancellationToken cancellationToken)
    {
        var checkpoint = context.Message;
        if (checkpoint.Node == node.Value.Id) return;

        // Concurrent checkpoints of a new peer race to pin its key: the first insert wins, everyone reads the winner.
        await Db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO peer_keys (node, key_id, public_key_pem, first_seen_at)
             VALUES ({checkpoint.Node}, {NodeSigner.KeyIdOf(checkpoint.PublicKeyPem)}, {checkpoint.PublicKeyPem}, {clock.GetUtcNow()})
             ON CONFLICT (node) DO NOTHING
             """, cancellationToken);
        var pinned = await Db.PeerKeys.AsNoTracking().SingleAsync(k => k.Node == checkpoint.Node, cancellationToken);
        var signed = NodeSigner.Utf8(AuditCheckpoint.SignedText(checkpoint.Node, checkpoint.Sequence, checkpoint.Head, checkpoint.CreatedAt));
        if (pinned.KeyId != checkpoint.KeyId || !NodeSigner.Verify(pinned.PublicKeyPem, signed, Convert.FromBase64String(checkpoint.Signature)))
        {
            LogRejected(logger, checkpoint.Node, checkpoint.Sequence, checkpoint.KeyId, pinned.KeyId);
            return;
        }
        await Db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO witnessed_checkpoints (node, sequence, head, created_at, key_id, signature, received_at)
             VALUES ({checkpoint.Node}, {checkpoint.Sequence}, {checkpoint.Head}, {checkpoint.CreatedAt}, {checkpoint.KeyId},
                     {checkpoint.Signature}, {clock.GetUtcNow()})
             ON CONFLICT (node, sequence) DO NOTHING
             """, cancellationToken);
    }

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Checkpoint {Sequence} of {Node} not kept: signed by key {KeyId}, pinned key is {PinnedKeyId}, or the signature does not verify")]
    private static partial void LogRejected(ILogger logger, string node, long sequence, string keyId, string pinnedKeyId);
}

/// <summary>Answers a peer that asks what this node witnessed of its chain.</summary>
public sealed class WitnessCopiesRequestedConsumer(AuditDbContext db, IOptions<NodeOptions> node) : IConsumer<WitnessCopiesRequested>
{
    public async Task Consume(ConsumeContext<WitnessCopiesRequested> context)
    {
        if (context.Message.Node == node.Value.Id) return;
        var copies = await db.Witnessed.AsNoTracking().Where(w => w.Node == context.Message.Node)
            .OrderByDescending(w => w.Sequence).Take(1000)
            .Select(w => new WitnessCopy(w.Sequence, w.Head, w.CreatedAt, w.KeyId, w.Signature))
            .ToListAsync(context.CancellationToken);
        await context.Publish(new WitnessCopiesProvided(context.Message.RequestId, node.Value.Id, context.Message.Node, copies), context.CancellationToken);
    }
}

/// <summary>Hands peers' answers to the verification waiting for them (answers about other nodes are ignored).</summary>
public sealed class WitnessCopiesProvidedConsumer(WitnessCollector collector, IOptions<NodeOptions> node) : IConsumer<WitnessCopiesProvided>
{
    public Task Consume(ConsumeContext<WitnessCopiesProvided> context)
    {
        if (context.Message.Node == node.Value.Id) collector.Deliver(context.Message);
        return Task.CompletedTask;
    }
}
