using System.Globalization;

namespace Platform.Benchmarks;

/// <summary>
/// CPU time of each process of both nodes, read from /proc/{pid}/stat (user + system), so a scenario can say where
/// its work went: milliseconds of CPU per item for every process. The run's own PostgreSQL and RabbitMQ (started for
/// the benchmark, found by the port they listen on) are counted too, as "database" and "broker": PostgreSQL with its
/// backends (live ones, and those that ended, which the postmaster has reaped).
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
        _run.Add(new Figure(scenario, $"CPU per {unit}: all platform processes", spent.Where(p => !Infrastructure.Contains(p.Key)).Sum(p => p.Seconds) * 1000 / items, "ms"));
        _run.Add(new Figure(scenario, $"CPU per {unit}: everything (platform, database, broker)", spent.Sum(p => p.Seconds) * 1000 / items, "ms"));
    }

    private static readonly string[] Infrastructure = ["database", "broker"];

    /// <summary>
    /// Waits until the platform's processes are nearly idle (under 10% of a core for half a second), at most
    /// <paramref name="limit"/>: after a warm-up, so the background JIT recompiling its hot methods is not counted.
    /// </summary>
    public static async Task WaitForQuietAsync(BenchmarkRun run, TimeSpan limit, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + limit;
        var before = Read(run).Sum(p => p.Value);
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(500, cancellationToken);
            var now = Read(run).Sum(p => p.Value);
            if (now - before < 0.05) return;
            before = now;
        }
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
        var database = new Npgsql.NpgsqlConnectionStringBuilder(run.PostgresServer).Port;
        if (ListeningProcess(database) is { } postmaster && CpuSeconds(postmaster, withReapedChildren: true) is { } postgres)
        {
            seconds["database"] = postgres + Children(postmaster).Sum(child => CpuSeconds(child) ?? 0);
        }
        if (ListeningProcess(run.RabbitMq.Port) is { } broker && CpuSeconds(broker) is { } rabbit)
        {
            seconds["broker"] = rabbit;
        }
        return seconds;
    }

    /// <summary>The process listening on 127.0.0.1:<paramref name="port"/> (TCP), found through its socket's inode.</summary>
    private static int? ListeningProcess(int port)
    {
        var hexPort = $":{port:X4} ";
        var inode = File.ReadLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 9 && (f[1] + " ").EndsWith(hexPort, StringComparison.Ordinal) && f[3] == "0A")
            .Select(f => f[9]).FirstOrDefault();
        if (inode is null) return null;
        var socket = $"socket:[{inode}]";
        foreach (var dir in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), out var pid)) continue;
            try
            {
                if (Directory.EnumerateFileSystemEntries($"{dir}/fd").Any(fd => new FileInfo(fd).LinkTarget == socket)) return pid;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        }
        return null;
    }

    private static IEnumerable<int> Children(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(dir => int.TryParse(Path.GetFileName(dir), out var pid) ? pid : 0)
            .Where(pid => pid > 0 && ParentOf(pid) == parent);

    private static int? ParentOf(int pid) => Fields(pid) is { } fields ? int.Parse(fields[1], CultureInfo.InvariantCulture) : null;

    private static string[]? Fields(int pid)
    {
        try
        {
            // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
            var stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static double? CpuSeconds(int pid, bool withReapedChildren = false)
    {
        if (Fields(pid) is not { } fields) return null;
        // Fields 14-17 of the man page (utime, stime, cutime, cstime) are 11-14 after the command name.
        var ticks = Enumerable.Range(11, withReapedChildren ? 4 : 2).Sum(i => double.Parse(fields[i], CultureInfo.InvariantCulture));
        return ticks / TicksPerSecond;
    }
}
