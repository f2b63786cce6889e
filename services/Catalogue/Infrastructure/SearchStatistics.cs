using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;

namespace Platform.Catalogue.Infrastructure;

/// <summary>
/// Keeps what PostgreSQL knows about the searched tables current after bulk writes, instead of waiting for autovacuum
/// (which visits a database about once a minute). Right after a bulk ingest into a table that was never analysed, the
/// planner takes most records for rare (it sorted all 5,000 records to disk for a newest-first page instead of walking
/// the newest-first index), and the new rows' search tokens still sit in the GIN index's pending list, which every
/// search reads in full and which made the planner prefer scanning the table. So, a second after writes go quiet (at
/// most <see cref="MaxDelay"/> after the first): the GIN pending lists are merged into the index
/// (<c>gin_clean_pending_list</c>, the work the next insert past the list's limit would do anyway), and the table is
/// analysed when it has changed by as many rows as it held at its last analysis (at least <see cref="MinChanges"/>),
/// which also refreshes the table's <see cref="CommonLexemes"/>.
/// </summary>
public sealed partial class SearchStatistics(IServiceScopeFactory scopes, CommonLexemes commonLexemes, ILogger<SearchStatistics> logger)
    : BackgroundService
{
    /// <summary>Fewer changed rows than this never lead to an ANALYZE of their own (autovacuum still analyses as usual).</summary>
    public const int MinChanges = 500;

    /// <summary>Fewer changed rows than this leave the GIN pending list to the inserts and autovacuum.</summary>
    public const int MinPending = 100;

    public static readonly TimeSpan Quiet = TimeSpan.FromSeconds(1);

    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, Counts> tables = new(StringComparer.Ordinal);
    private readonly Channel<bool> signals = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    /// <summary>Notes that <paramref name="rows"/> rows of <paramref name="table"/> (<c>records</c> or <c>federated_records</c>) were written.</summary>
    public void Changed(string table, int rows)
    {
        if (rows <= 0)
        {
            return;
        }
        var counts = tables.GetOrAdd(table, _ => new Counts());
        Interlocked.Add(ref counts.SinceAnalyze, rows);
        Interlocked.Add(ref counts.SinceClean, rows);
        signals.Writer.TryWrite(true);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (await signals.Reader.WaitToReadAsync(stoppingToken))
            {
                await WaitForQuietAsync(stoppingToken);
                try
                {
                    await UpkeepAsync(stoppingToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // Autovacuum still does the same later; the next writes try again.
                    LogFailed(ex);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Waits until no write was noted for <see cref="Quiet"/>, or <see cref="MaxDelay"/> has passed.</summary>
    private async Task WaitForQuietAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTimeOffset.UtcNow + MaxDelay;
        while (signals.Reader.TryRead(out _) && DateTimeOffset.UtcNow < deadline)
        {
            var wait = deadline - DateTimeOffset.UtcNow;
            await Task.Delay(wait < Quiet ? wait : Quiet, cancellationToken);
        }
    }

    /// <summary>Merges pending GIN entries and analyses the tables whose counted changes call for it (what the background loop runs).</summary>
    internal async Task UpkeepAsync(CancellationToken cancellationToken)
    {
        foreach (var (table, counts) in tables)
        {
            var sinceClean = Interlocked.Read(ref counts.SinceClean);
            var sinceAnalyze = Interlocked.Read(ref counts.SinceAnalyze);
            if (sinceClean < MinPending && sinceAnalyze < MinChanges)
            {
                continue;
            }
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogueDbContext>();
            if (sinceClean >= MinPending)
            {
                Interlocked.Add(ref counts.SinceClean, -sinceClean);
                // Both upkeep steps need the table's owner: functions of the owner's (migration SearchUpkeepAsOwner) run them.
                await db.Database.ExecuteSqlRawAsync("SELECT search_tables_clean_pending({0})", [table], cancellationToken);
            }
            if (sinceAnalyze < MinChanges)
            {
                continue;
            }
            // reltuples is the row count the last ANALYZE (or VACUUM) saw; -1 when the table was never analysed.
            var known = await db.Database.SqlQueryRaw<float>("SELECT reltuples AS \"Value\" FROM pg_class WHERE oid = to_regclass({0})", table)
                .SingleAsync(cancellationToken);
            if (sinceAnalyze < known)
            {
                continue;
            }
            Interlocked.Add(ref counts.SinceAnalyze, -sinceAnalyze);
            var started = System.Diagnostics.Stopwatch.GetTimestamp();
            await db.Database.ExecuteSqlRawAsync("SELECT search_tables_analyze({0})", [Searched(table)], cancellationToken);
            commonLexemes.Forget(table);
            var elapsed = System.Diagnostics.Stopwatch.GetElapsedTime(started);
            LogAnalyzed(table, sinceAnalyze, known, elapsed.TotalMilliseconds);
        }
    }

    private static string Searched(string table) => table is "records" or "federated_records"
        ? table
        : throw new ArgumentException($"{table} is not a searched table.", nameof(table));

    private sealed class Counts
    {
        public long SinceAnalyze;
        public long SinceClean;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Analysed {Table} after {Changes} changed rows (PostgreSQL's estimate before: {Rows} rows, -1 = never analysed) in {Milliseconds:F0} ms")]
    private partial void LogAnalyzed(string table, long changes, float rows, double milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search statistics upkeep failed; autovacuum keeps them eventually, the next writes try again")]
    private partial void LogFailed(Exception exception);
}
