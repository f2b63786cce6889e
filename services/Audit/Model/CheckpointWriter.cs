using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Audit.Model;

/// <summary>
/// Every <see cref="CheckpointOptions.EveryEntries"/> entries or <see cref="CheckpointOptions.Interval"/>, signs the chain head
/// with the node key, keeps the checkpoint and publishes it (through the outbox, in the same transaction) for peers to witness.
/// </summary>
public sealed partial class CheckpointWriter(IServiceScopeFactory scopes, NodeSigner signer, IOptions<CheckpointOptions> options,
    IOptions<NodeOptions> node, TimeProvider clock, ILogger<CheckpointWriter> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(1), clock);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CheckpointIfDueAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                LogCheckpointFailed(logger, exception);
            }
        }
    }

    public async Task<OwnCheckpoint?> CheckpointIfDueAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<AuditDbContext>();
        var head = await db.Entries.AsNoTracking().OrderByDescending(e => e.Sequence)
            .Select(e => new { e.Sequence, e.Hash }).FirstOrDefaultAsync(cancellationToken);
        if (head is null) return null;
        var last = await db.Checkpoints.AsNoTracking().OrderByDescending(c => c.Sequence).FirstOrDefaultAsync(cancellationToken);
        var now = clock.GetUtcNow();
        var due = last is null
            || (head.Sequence > last.Sequence
                && (head.Sequence - last.Sequence >= options.Value.EveryEntries || now - last.CreatedAt >= options.Value.Interval));
        if (!due) return null;

        var createdAt = new DateTimeOffset(now.UtcTicks - now.UtcTicks % 10, TimeSpan.Zero);
        var signed = AuditCheckpoint.SignedText(node.Value.Id, head.Sequence, head.Hash, createdAt);
        var signature = Convert.ToBase64String(await signer.SignAsync(NodeSigner.Utf8(signed), cancellationToken));
        var (keyId, publicKey) = await signer.PublicKeyAsync(cancellationToken);
        var checkpoint = new OwnCheckpoint { Sequence = head.Sequence, Head = head.Hash, CreatedAt = createdAt, KeyId = keyId, Signature = signature };

        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var inserted = await db.Database.ExecuteSqlAsync(
            $"""
             INSERT INTO audit_checkpoints (sequence, head, created_at, key_id, signature)
             VALUES ({checkpoint.Sequence}, {checkpoint.Head}, {checkpoint.CreatedAt}, {keyId}, {signature}) ON CONFLICT DO NOTHING
             """, cancellationToken);
        if (inserted == 0) return null; // another replica made this one
        db.Publish(new AuditCheckpoint(node.Value.Id, checkpoint.Sequence, checkpoint.Head, createdAt, keyId, publicKey, signature));
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return checkpoint;
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Could not make an audit checkpoint")]
    private static partial void LogCheckpointFailed(ILogger logger, Exception exception);
}
