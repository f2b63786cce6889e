using System.Collections.Concurrent;

namespace Platform.ServiceDefaults.Trust;

/// <summary>
/// Signatures of messages this process consumed within the freshness window: the same signed message arriving again is a
/// replay (a sender publishing again signs anew; the broker's own redeliveries are told apart by their redelivered flag).
/// Older messages are refused as stale, so nothing needs remembering past the window.
/// </summary>
public sealed class ReplayGuard(TimeProvider clock)
{
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private long _nextSweep;

    public bool Seen(string signature) => _seen.ContainsKey(signature);

    public void Remember(string signature, DateTimeOffset forgetAfter)
    {
        _seen[signature] = forgetAfter.UtcTicks;
        var now = clock.GetUtcNow().UtcTicks;
        if (now > Interlocked.Read(ref _nextSweep))
        {
            Interlocked.Exchange(ref _nextSweep, now + TimeSpan.TicksPerMinute);
            foreach (var (key, expiry) in _seen)
            {
                if (expiry < now) _seen.TryRemove(key, out _);
            }
        }
    }
}
