using System.Diagnostics;

namespace Platform.Benchmarks;

/// <summary>Closed-loop HTTP load: N concurrent callers for a fixed time; records every latency.</summary>
public static class LoadGenerator
{
    public sealed record Result(long Requests, long Errors, TimeSpan Elapsed, double P50Ms, double P95Ms, double P99Ms)
    {
        public double RequestsPerSecond => Requests / Elapsed.TotalSeconds;
    }

    public static async Task<Result> RunAsync(Func<Task<bool>> call, int concurrency, TimeSpan duration, TimeSpan warmUp)
    {
        using (var warm = new CancellationTokenSource(warmUp))
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(_ => Loop(call, null, warm.Token)));
        }

        var latencies = new List<double>[concurrency];
        long errors = 0;
        var watch = Stopwatch.StartNew();
        using (var stop = new CancellationTokenSource(duration))
        {
            await Task.WhenAll(Enumerable.Range(0, concurrency).Select(async i =>
            {
                latencies[i] = [];
                Interlocked.Add(ref errors, await Loop(call, latencies[i], stop.Token));
            }));
        }
        watch.Stop();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(all.Length, errors, watch.Elapsed, Percentile(all, 0.50), Percentile(all, 0.95), Percentile(all, 0.99));
    }

    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? double.NaN : sorted[Math.Min(sorted.Count - 1, (int)Math.Ceiling(p * sorted.Count) - 1)];

    private static async Task<long> Loop(Func<Task<bool>> call, List<double>? latencies, CancellationToken stop)
    {
        long errors = 0;
        while (!stop.IsCancellationRequested)
        {
            var started = Stopwatch.GetTimestamp();
            bool ok;
            try
            {
                ok = await call();
            }
            catch (HttpRequestException)
            {
                ok = false;
            }
            if (!ok) errors++;
            latencies?.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        return errors;
    }
}
