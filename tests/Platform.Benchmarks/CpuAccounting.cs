using System.Globalization;

namespace Platform.Benchmarks;

/// <summary>
/// CPU time of each process of both nodes, read from /proc/{pid}/stat (user + system), so a scenario can say where
/// its work went: milliseconds of CPU per item for every process. The database and broker are shared with other
/// users of the machine and are not counted here.
/// </summary>
public sealed class CpuAccounting
{
    private static readonly double TicksPerSecond = 100; // USER_HZ, 100 on every Linux this runs on
    private readonly BenchmarkRun _run;
    private readonly Dictionary<string, double> _start;

    private CpuAccounting(BenchmarkRun run)
    {
        _run = run;
        _start = Read(run);
    }

    public static CpuAccounting Start(BenchmarkRun run) => new(run);

    /// <summary>Adds one figure per process that used CPU: milliseconds of CPU per <paramref name="unit"/>.</summary>
    public void Report(string scenario, long items, string unit)
    {
        if (items <= 0) return;
        var end = Read(_run);
        var spent = end.Select(p => (p.Key, Seconds: p.Value - _start.GetValueOrDefault(p.Key)))
            .Where(p => p.Seconds > 0.01)
            .OrderByDescending(p => p.Seconds)
            .ToList();
        foreach (var (process, seconds) in spent)
        {
            _run.Add(new Figure(scenario, $"CPU per {unit}: {process}", seconds * 1000 / items, "ms"));
        }
        _run.Add(new Figure(scenario, $"CPU per {unit}: all platform processes", spent.Sum(p => p.Seconds) * 1000 / items, "ms"));
    }

    private static Dictionary<string, double> Read(BenchmarkRun run)
    {
        var seconds = new Dictionary<string, double>();
        foreach (var node in new[] { run.DeptA, run.DeptB })
        {
            foreach (var (process, pid) in node.ProcessIds)
            {
                if (CpuSeconds(pid) is { } value) seconds[$"{node.Id} {process}"] = value;
            }
        }
        return seconds;
    }

    private static double? CpuSeconds(int pid)
    {
        try
        {
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // Fields 14 and 15 of the man page (utime, stime) are 11 and 12 after the command name.
            return (double.Parse(fields[11], CultureInfo.InvariantCulture) + double.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
        }
        catch (IOException)
        {
            return null;
        }
    }
}
