using System.Globalization;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Memory of every process of dept-a, read from /proc: resident set (VmRSS, the target's measure) and proportional
/// set (Pss from smaps_rollup). RSS counts the .NET framework's mapped files in full in each of a node's five
/// processes although they share them; PSS divides shared pages among their users, so it is what one more process
/// really costs.
/// </summary>
/// <remarks>
/// "Idle" is read once the node has settled: no traffic, and no process's RSS moved by 1 MB or more over the last
/// three readings 3 s apart (at most 60 s; 15 s with --quick). Right after start-up the processes are still warming up (first sweeps and
/// queries, JIT, the start-up garbage not collected yet), which is not how an idle node sits. An idle process still
/// moves: its timers and pollers allocate, and its GC heap grows by several MB until the next collection gives the
/// pages back (a sawtooth, see docs/MEMORY.md). So idle RSS is the mean of readings 3 s apart over a window (30 s;
/// 6 s with --quick), with the highest reading beside it, rather than one reading at a random point of the saw.
/// </remarks>
public sealed class MemoryScenario(string when, bool settle = false) : IScenario
{
    private static readonly TimeSpan Reading = TimeSpan.FromSeconds(3);

    public string Name => $"memory ({when})";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        var samples = new List<Dictionary<string, (double Rss, double? Pss)>>();
        var window = TimeSpan.Zero;
        if (settle)
        {
            var waited = await SettleAsync(run, run.Duration(60, 15), cancellationToken);
            run.Add(new Figure(Name, "settled after (no traffic; RSS steady within 1 MB for 3 readings)", waited.TotalSeconds, "s"));
            window = run.Duration(30, 6);
            for (var started = DateTimeOffset.UtcNow; DateTimeOffset.UtcNow - started < window;)
            {
                samples.Add(Sample(run));
                await Task.Delay(Reading, cancellationToken);
            }
        }
        samples.Add(Sample(run));
        var over = samples.Count == 1 ? "" : $" (mean of {samples.Count} readings over {window.TotalSeconds:0} s)";
        foreach (var process in run.DeptA.ProcessIds.Keys.Where(samples[0].ContainsKey))
        {
            var rss = samples.Select(s => s[process].Rss / 1024).ToList();
            run.Add(new Figure(Name, $"RSS dept-a {process}{over}", rss.Average(), "MB", Target: when == "idle" && process != "gateway" ? "≤ 150 MB" : null));
            if (rss.Count > 1)
            {
                run.Add(new Figure(Name, $"RSS dept-a {process}, highest reading", rss.Max(), "MB"));
            }
            if (samples.Select(s => s[process].Pss).OfType<double>().Select(pss => pss / 1024).ToList() is { Count: > 0 } pss)
            {
                run.Add(new Figure(Name, $"PSS dept-a {process}{over}", pss.Average(), "MB"));
            }
        }
    }

    private static Dictionary<string, (double Rss, double? Pss)> Sample(BenchmarkRun run) =>
        run.DeptA.ProcessIds
            .Select(p => (p.Key, Rss: Kilobytes($"/proc/{p.Value}/status", "VmRSS:"), Pss: Kilobytes($"/proc/{p.Value}/smaps_rollup", "Pss:")))
            .Where(p => p.Rss is not null)
            .ToDictionary(p => p.Key, p => (p.Rss!.Value, p.Pss));

    private static async Task<TimeSpan> SettleAsync(BenchmarkRun run, TimeSpan most, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var previous = Sample(run);
        var steady = 0;
        while (steady < 3 && DateTimeOffset.UtcNow - started < most)
        {
            await Task.Delay(Reading, cancellationToken);
            var current = Sample(run);
            steady = current.All(r => previous.TryGetValue(r.Key, out var before) && Math.Abs(r.Value.Rss - before.Rss) < 1024) ? steady + 1 : 0;
            previous = current;
        }
        return DateTimeOffset.UtcNow - started;
    }

    private static double? Kilobytes(string file, string field)
    {
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
