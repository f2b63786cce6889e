using System.Globalization;

namespace Platform.Benchmarks.Scenarios;

/// <summary>
/// Memory of every process of dept-a, read from /proc: resident set (VmRSS, the target's measure) and proportional
/// set (Pss from smaps_rollup). RSS counts the .NET framework's mapped files in full in each of a node's five
/// processes although they share them; PSS divides shared pages among their users, so it is what one more process
/// really costs.
/// </summary>
public sealed class MemoryScenario(string when) : IScenario
{
    public string Name => $"memory ({when})";

    public Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        foreach (var (process, pid) in run.DeptA.ProcessIds)
        {
            if (Kilobytes($"/proc/{pid}/status", "VmRSS:") is not { } rss) continue;
            run.Add(new Figure(Name, $"RSS dept-a {process}", rss / 1024, "MB", Target: when == "idle" && process != "gateway" ? "≤ 150 MB" : null));
            if (Kilobytes($"/proc/{pid}/smaps_rollup", "Pss:") is { } pss)
            {
                run.Add(new Figure(Name, $"PSS dept-a {process}", pss / 1024, "MB"));
            }
        }
        return Task.CompletedTask;
    }

    private static double? Kilobytes(string file, string field)
    {
        var line = File.ReadLines(file).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? null : double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }
}
