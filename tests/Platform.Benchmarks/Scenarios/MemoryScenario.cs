using System.Globalization;

namespace Platform.Benchmarks.Scenarios;

/// <summary>Resident memory (VmRSS) of every process of dept-a, read from /proc.</summary>
public sealed class MemoryScenario(string when) : IScenario
{
    public string Name => $"memory ({when})";

    public Task RunAsync(BenchmarkRun run, CancellationToken cancellationToken)
    {
        foreach (var (process, pid) in run.DeptA.ProcessIds)
        {
            var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
            if (line is null) continue;
            var kilobytes = double.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            run.Add(new Figure(Name, $"RSS dept-a {process}", kilobytes / 1024, "MB", Target: when == "idle" && process != "gateway" ? "≤ 150 MB" : null));
        }
        return Task.CompletedTask;
    }
}
