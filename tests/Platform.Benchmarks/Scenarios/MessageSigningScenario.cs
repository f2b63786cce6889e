using System.Diagnostics;
using System.Security.Cryptography;
using Platform.Contracts;
using Platform.ServiceDefaults.Trust;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// What signing and verifying cost per record event, measured on the exact operations the filters run (canonical body,
/// SHA-256, ECDSA P-256 sign at the sender, verify at each receiving service) over runs of 500 events, as the outbox sends
/// them, and over single messages. One thread, so the figure is CPU time.
/// </summary>
public sealed class MessageSigningScenario : IScenario
{
    public string Name => "message signing";

    public Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var crossing = CrossingMessages.Of<RecordAnnouncementBatch>()!;
        var batch = new RecordAnnouncementBatch("dept-a", [.. Enumerable.Range(0, 500).Select(i =>
            new RecordEventEntry(Guid.CreateVersion7(), Published: new RecordPublished(Guid.CreateVersion7(), "dept-a", 1,
                RecordRow.Generate(run.RunId, i).ToMetadata(), DateTimeOffset.UtcNow)))]);
        var single = new RecordAnnouncementBatch("dept-a", [batch.Events[0]]);

        foreach (var (message, events, label) in new[] { (batch, 500, "runs of 500 events"), (single, 1, "one event per message") })
        {
            var rounds = run.Size(events == 1 ? 4_000 : 200, events == 1 ? 500 : 30);
            var (sign, verify) = Measure(key, crossing, message, rounds / 10);
            (sign, verify) = Measure(key, crossing, message, rounds);
            run.Add(new Figure(Name, $"sign at the sender, µs per event ({label})", sign / events, "µs"));
            run.Add(new Figure(Name, $"verify at one receiving service, µs per event ({label})", verify / events, "µs"));
        }
        return Task.CompletedTask;
    }

    /// <summary>Mean microseconds per message to sign it and to verify it.</summary>
    private static (double Sign, double Verify) Measure(ECDsa key, CrossingMessage crossing, object message, int rounds)
    {
        var id = Guid.NewGuid();
        var at = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        byte[] signature = [];
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < rounds; i++)
        {
            signature = key.SignData(MessageSignature.SignedBytes(crossing, message, id, at, "dept-a", MessageSignature.Everyone),
                HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        var sign = watch.Elapsed.TotalMicroseconds / rounds;
        watch.Restart();
        for (var i = 0; i < rounds; i++)
        {
            if (!key.VerifyData(MessageSignature.SignedBytes(crossing, message, id, at, "dept-a", MessageSignature.Everyone), signature,
                    HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence))
            {
                throw new InvalidOperationException("A signature made here did not verify.");
            }
        }
        return (sign, watch.Elapsed.TotalMicroseconds / rounds);
    }
}
