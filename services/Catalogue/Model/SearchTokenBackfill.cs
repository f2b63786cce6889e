using Microsoft.EntityFrameworkCore;
using Platform.Catalogue.Infrastructure;

namespace Platform.Catalogue.Model;

/// <summary>
/// Gives search tokens to records stored before search existed (their <c>search_tokens</c> is empty, so no query
/// finds them): at start-up, in chunks, own records first, then other departments' records in the federated view.
/// New pushes and events set the tokens themselves, so once it has caught up it has nothing left to do.
/// </summary>
public sealed partial class SearchTokenBackfill(IServiceScopeFactory scopes, SearchStatistics statistics, ILogger<SearchTokenBackfill> logger) : BackgroundService
{
    private const int Chunk = 500;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var records = await BackfillAsync("records", "id",
                db => db.Records.AsNoTracking().Where(r => r.SearchTokens == "").OrderBy(r => r.Id).Take(Chunk)
                    .Select(r => new Pending(r.Id, r.Version, SearchText.For(r.ToMetadata()))), stoppingToken);
            var federated = await BackfillAsync("federated_records", "record_id",
                db => db.FederatedRecords.AsNoTracking().Where(r => r.SearchTokens == "" && r.Title != "").OrderBy(r => r.RecordId).Take(Chunk)
                    .Select(r => new Pending(r.RecordId, r.Version, SearchText.For(r.Metadata))), stoppingToken);
            if (records + federated > 0)
            {
                LogBackfilled(records, federated);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The next start tries again; search works meanwhile for every record that has tokens.
            LogFailed(ex);
        }
    }

    private sealed record Pending(Guid Id, int Version, string Tokens);

    /// <summary>
    /// Sets the tokens chunk by chunk, each chunk in one UPDATE that only touches a row still at the version it was
    /// read at and still without tokens: a push or event that changed the record meanwhile set newer tokens itself.
    /// </summary>
    private async Task<int> BackfillAsync(string table, string key, Func<CatalogueDbContext, IQueryable<Pending>> pending, CancellationToken cancellationToken)
    {
        var done = 0;
        while (true)
        {
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<CatalogueDbContext>();
            var chunk = await pending(db).ToListAsync(cancellationToken);
            if (chunk.Count == 0)
            {
                return done;
            }
            var ids = chunk.Select(p => p.Id).ToArray();
            var versions = chunk.Select(p => p.Version).ToArray();
            var tokens = chunk.Select(p => p.Tokens).ToArray();
            // Table and key names are this class's constants, never input.
#pragma warning disable EF1002
            var updated = await db.Database.ExecuteSqlRawAsync($"""
                UPDATE {table} AS t SET search_tokens = v.tokens
                FROM unnest(@p0, @p1, @p2) AS v(id, version, tokens)
                WHERE t.{key} = v.id AND t.version = v.version AND t.search_tokens = ''
                """, [ids, versions, tokens], cancellationToken);
#pragma warning restore EF1002
            done += updated;
            statistics.Changed(table, updated);
            if (updated == 0)
            {
                return done; // every row of the chunk changed meanwhile and already has tokens: nothing is left behind
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Search tokens backfilled for {Records} own and {Federated} federated records stored before search existed")]
    private partial void LogBackfilled(int records, int federated);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Search token backfill failed; it runs again at the next start")]
    private partial void LogFailed(Exception exception);
}
