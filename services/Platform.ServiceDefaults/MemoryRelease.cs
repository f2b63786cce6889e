using System.Diagnostics;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Platform.ServiceDefaults;

/// <summary>
/// Gives memory that start-up or a burst of work used and freed back to the operating system, so an idle process holds
/// only what it uses. Every 5 s: glibc's <c>malloc_trim(0)</c>, because glibc keeps what the runtime, the JIT and native
/// libraries freed in its arenas, resident, until asked (measured: 9–18 MB per process; one trim 0.2–1 ms). And at the
/// first quiet 5 s after start-up or after a busy spell (under 4 MB allocated): a full compacting GC that also
/// decommits free GC regions. Start-up leaves megabytes of dead large objects and promoted garbage that an idle process
/// would otherwise keep until its next full collection, which may be hours away (measured: GC heap committed 31 → 18 MB;
/// one such collection took 0.24–0.52 s on the shared 2-core machine under load). The same collection also runs when
/// an idle process has allocated 8 MB since the last one: timers, sweeps and pollers allocate a little all the time
/// (the sharing service ~190 KB/s), and the collector's first-generation budget, tens of megabytes, would otherwise
/// be filled with fresh pages before its next collection (measured: an idle sharing process grew from 164 to 178 MB
/// over its first three minutes). Under steady load neither happens more than the trim. Off with
/// <c>Hosting:ReleaseMemory=false</c>; see docs/MEMORY.md.
/// </summary>
internal sealed partial class MemoryRelease(IHostApplicationLifetime lifetime, ILogger<MemoryRelease> logger) : BackgroundService
{
    /// <summary>Configuration key that turns this off (default on).</summary>
    public const string EnabledKey = "Hosting:ReleaseMemory";

    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);
    private const long QuietAllocatedBytes = 4 * 1024 * 1024;
    private const long IdleGrowthBytes = 8 * 1024 * 1024;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await WhenStartedAsync(stoppingToken);
            var busy = true; // start-up was
            var allocated = GC.GetTotalAllocatedBytes();
            var collectedAt = allocated;
            var trim = OperatingSystem.IsLinux();
            using var timer = new PeriodicTimer(Interval);
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                var now = GC.GetTotalAllocatedBytes();
                var quiet = now - allocated < QuietAllocatedBytes;
                allocated = now;
                if (quiet && (busy || now - collectedAt >= IdleGrowthBytes))
                {
                    CollectGarbage();
                    allocated = collectedAt = GC.GetTotalAllocatedBytes();
                    busy = false;
                }
                else if (!quiet)
                {
                    busy = true;
                }
                if (trim) trim = TrimNativeHeap();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private Task WhenStartedAsync(CancellationToken stoppingToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        return started.Task.WaitAsync(stoppingToken);
    }

    private void CollectGarbage()
    {
        var before = GC.GetGCMemoryInfo().TotalCommittedBytes;
        var started = Stopwatch.GetTimestamp();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        var after = GC.GetGCMemoryInfo().TotalCommittedBytes;
        LogCollected(logger, before / 1048576.0, after / 1048576.0, milliseconds);
    }

    private bool TrimNativeHeap()
    {
        try
        {
            var started = Stopwatch.GetTimestamp();
            var released = MallocTrim(0) == 1;
            var milliseconds = Stopwatch.GetElapsedTime(started).TotalMilliseconds;
            LogTrimmed(logger, released, milliseconds);
            return true;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            LogTrimUnavailable(logger, ex.Message);
            return false;
        }
    }

    [DllImport("libc", EntryPoint = "malloc_trim")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int MallocTrim(nuint pad);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Garbage collected while quiet: GC heap committed {Before:F1} MB → {After:F1} MB in {Milliseconds:F1} ms")]
    private static partial void LogCollected(ILogger logger, double before, double after, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Native heap trimmed (memory released: {Released}) in {Milliseconds:F2} ms")]
    private static partial void LogTrimmed(ILogger logger, bool released, double milliseconds);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Native heap not trimmed (no malloc_trim in this C library): {Reason}")]
    private static partial void LogTrimUnavailable(ILogger logger, string reason);
}
