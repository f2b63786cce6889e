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
/// three readings 3 s apart (at most 60 s; 20 s with --quick). Right after start-up the processes are still warming up (first sweeps and
/// queries, JIT, the start-up garbage not collected yet), which is not how an idle node sits.
/// </remarks>
public sealed class MemoryScenario(string when, bool settle = false) : IScenario
{
    private static readonly TimeSpan Reading = TimeSpan.FromSeconds(3);

    public string Name => $"memory ({when})";

    public async Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        if (settle)
        {
            var waited = await SettleAsync(run, run.Duration(60, 20), cancellationToken);
            run.Add(new Figure(Name, "settled after (no traffic; RSS steady within 1 MB for 3 readings)", waited.TotalSeconds, "s"));
        }
        foreach (var (process, pid) in run.DeptA.ProcessIds)
        {
            if (Kilobytes($"/proc/{pid}/status", "VmRSS:") is not { } rss) continue;
            run.Add(new Figure(Name, $"RSS dept-a {process}", rss / 1024, "MB", Target: when == "idle" && process != "gateway" ? "≤ 150 MB" : null));
            if (Kilobytes($"/proc/{pid}/smaps_rollup", "Pss:") is { } pss)
            {
                run.Add(new Figure(Name, $"PSS dept-a {process}", pss / 1024, "MB"));
            }
        }
    }

    private static async Task<TimeSpan> SettleAsync(BenchmarkRun run, TimeSpan most, CancellationToken cancellationToken)
    {
        var started = DateTimeOffset.UtcNow;
        var previous = Readings(run);
        var steady = 0;
        while (steady < 3 && DateTimeOffset.UtcNow - started < most)
        {
            await Task.Delay(Reading, cancellationToken);
            var current = Readings(run);
            steady = current.All(r => previous.TryGetValue(r.Key, out var before) && Math.Abs(r.Value - before) < 1024) ? steady + 1 : 0;
            previous = current;
        }
        return DateTimeOffset.UtcNow - started;
    }

    private static Dictionary<string, double> Readings(BenchmarkRun run) =>
        run.DeptA.ProcessIds.Select(p => (p.Key, Rss: Kilobytes($"/proc/{p.Value}/status", "VmRSS:")))
            .Where(p => p.Rss is not null).ToDictionary(p => p.Key, p => p.Rss!.Value);

    private static double? Kilobytes(string file, string field)
    {
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
