using MassTransit;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Platform.Audit.Infrastructure;
using Platform.Contracts;
using Platform.ServiceDefaults;

namespace Platform.Audit.Model;

/// <summary>
/// Asks every peer for the copies it holds of this node's signed checkpoints and compares each with the local chain:
/// a node that rewrote its log, even recomputing every hash, no longer has the heads it signed and published earlier.
/// </summary>
public sealed class WitnessCheck(AuditDbContext db, IPublishEndpoint publish, WitnessCollector collector, NodeSigner signer,
    IOptions<CheckpointOptions> options, IOptions<NodeOptions> node)
{
    public async Task<IReadOnlyList<WitnessReport>> AskPeersAsync(CancellationToken cancellationToken)
    {
        var requestId = Guid.NewGuid();
        var answers = collector.Open(requestId);
        var received = new List<WitnessCopiesProvided>();
        try
        {
            await publish.Publish(new WitnessCopiesRequested(requestId, node.Value.Id), cancellationToken);
            using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            wait.CancelAfter(options.Value.WitnessWait);
            try
            {
                await foreach (var answer in answers.Reader.ReadAllAsync(wait.Token)) received.Add(answer);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // The wait is over; whoever answered is in.
            }
        }
        finally
        {
            collector.Close(requestId);
        }

        var (_, publicKey) = await signer.PublicKeyAsync(cancellationToken);
        var reports = new List<WitnessReport>();
        foreach (var answer in received.GroupBy(a => a.Witness).Select(g => g.First()).OrderBy(a => a.Witness, StringComparer.Ordinal))
        {
            reports.Add(await CompareAsync(answer, publicKey, cancellationToken));
        }
        return reports;
    }

    private async Task<WitnessReport> CompareAsync(WitnessCopiesProvided answer, string publicKey, CancellationToken cancellationToken)
    {
        var sequences = answer.Checkpoints.Select(c => c.Sequence).ToList();
        var local = await db.Entries.AsNoTracking().Where(e => sequences.Contains(e.Sequence))
            .ToDictionaryAsync(e => e.Sequence, e => e.Hash, cancellationToken);
        var matched = 0;
        foreach (var copy in answer.Checkpoints.OrderBy(c => c.Sequence))
        {
            var signed = NodeSigner.Utf8(AuditCheckpoint.SignedText(node.Value.Id, copy.Sequence, copy.Head, copy.CreatedAt));
            if (!NodeSigner.Verify(publicKey, signed, Convert.FromBase64String(copy.Signature)))
            {
                // Not signed by this node's key: the witness cannot vouch for it, and it proves nothing against us.
                continue;
            }
            if (!local.TryGetValue(copy.Sequence, out var hash))
            {
                return new WitnessReport(answer.Witness, answer.Checkpoints.Count, matched, copy.Sequence,
                    $"The witness holds a signed checkpoint at entry {copy.Sequence}, which the local log no longer has.");
            }
            if (hash != copy.Head)
            {
                return new WitnessReport(answer.Witness, answer.Checkpoints.Count, matched, copy.Sequence,
                    $"Entry {copy.Sequence} has hash {hash}, but this node signed head {copy.Head} there and the witness kept it.");
            }
            matched++;
        }
        return new WitnessReport(answer.Witness, answer.Checkpoints.Count, matched, null, null);
    }
}
