using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using Platform.Catalogue.Apis;
using Platform.Catalogue.Infrastructure;
using Platform.Catalogue.Model;
using Platform.Contracts;
using Platform.ServiceDefaults;
using Platform.Tests.Infrastructure;
using Shouldly;

namespace Platform.Tests.Catalogue;

/// <summary>
/// What PostgreSQL knows about the searched tables right after a bulk ingest (a fresh, migrated catalogue database on the
/// test PostgreSQL): without an ANALYZE the planner sorted the whole table for a newest-first page, and the new rows'
/// tokens waited in the GIN pending list that every search reads.
/// </summary>
public sealed class SearchStatisticsTests(TestInfrastructure infrastructure) : IAsyncLifetime
{
    private CatalogueDatabase _catalogue = null!;
    private ThrowawayDatabase _database = null!;
    private ServiceProvider _services = null!;

    public async ValueTask InitializeAsync()
    {
        _catalogue = await CatalogueDatabase.CreateAsync(infrastructure, "catalogue_stats", new FixedTime());
        (_database, _services) = (_catalogue.Database, _catalogue.Services);
        await _database.ExecuteAsync("CREATE EXTENSION IF NOT EXISTS pgstattuple");
        // Only the catalogue's own upkeep may analyse or vacuum the table here, so every step is deterministic.
        await _database.ExecuteAsync("ALTER TABLE records SET (autovacuum_enabled = false)");
    }

    public ValueTask DisposeAsync() => _catalogue.DisposeAsync();

    [Fact]
    public async Task After_a_bulk_ingest_the_table_is_analysed_its_common_tokens_are_read_again_and_newest_first_pages_walk_the_index()
    {
        var lexemes = _services.GetRequiredService<CommonLexemes>();
        var statistics = _services.GetRequiredService<SearchStatistics>();
        await using var scope = _services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CatalogueDbContext>();
        (await lexemes.OfAsync(db, "records", default))("档").ShouldBeFalse("an empty table has no common tokens");

        await PushAsync(1_200);
        (await _database.ScalarAsync<long>("SELECT pending_tuples FROM pgstatginindex('ix_records_search_vector')")).ShouldBeGreaterThan(0,
            "the new rows' tokens wait in the GIN pending list");
        (await lexemes.OfAsync(db, "records", default))("档").ShouldBeFalse("the empty answer is still held (the clock stands still)");

        await statistics.UpkeepAsync(default);

        (await _database.ScalarAsync<float>("SELECT reltuples FROM pg_class WHERE relname = 'records'")).ShouldBe(1_200);
        (await _database.ScalarAsync<long>("SELECT pending_tuples FROM pgstatginindex('ix_records_search_vector')")).ShouldBe(0);
        var isCommon = await lexemes.OfAsync(db, "records", default);
        isCommon("档").ShouldBeTrue("every record holds 档 (its creator 市档案局): read again at once, not after the cache's lifetime");
        isCommon("数字").ShouldBeFalse("a tenth of the records hold it");

        var search = SearchText.Query("档案")!;
        var page = MatchCount.AmongRecent(db.Records.Where(r => r.Status == RecordStatus.Active),
            q => q.OrderByDescending(r => r.UpdatedAt).ThenBy(r => r.Id), r => r.SearchVector!.Matches(search.Best), new Paging(1, 20));
        var plan = await ExplainAsync(page);
        plan.ShouldContain("Index Scan using ix_records_updated_at_id", customMessage: plan);
        plan.ShouldNotContain("Sort", customMessage: plan);
    }

    [Fact]
    public async Task Small_writes_leave_the_statistics_to_autovacuum_and_a_table_is_analysed_again_once_it_has_doubled()
    {
        var statistics = _services.GetRequiredService<SearchStatistics>();
        const string rows = "SELECT reltuples FROM pg_class WHERE relname = 'records'";

        await PushAsync(50);
        await statistics.UpkeepAsync(default);
        (await _database.ScalarAsync<float>(rows)).ShouldBe(-1, "50 rows are not worth an ANALYZE of their own");

        await PushAsync(SearchStatistics.MinChanges);
        await statistics.UpkeepAsync(default);
        (await _database.ScalarAsync<float>(rows)).ShouldBe(50 + SearchStatistics.MinChanges);

        await PushAsync(300);
        await statistics.UpkeepAsync(default);
        (await _database.ScalarAsync<float>(rows)).ShouldBe(50 + SearchStatistics.MinChanges, "300 more rows do not double the table");

        await PushAsync(300);
        await statistics.UpkeepAsync(default);
        (await _database.ScalarAsync<float>(rows)).ShouldBe(50 + SearchStatistics.MinChanges + 600);
    }

    private int _pushed;

    /// <summary>Pushes records as a batch would; one in ten is about 数字化, all have the creator 市档案局.</summary>
    private async Task PushAsync(int count)
    {
        await using var scope = _services.CreateAsyncScope();
        var ingestion = scope.ServiceProvider.GetRequiredService<RecordIngestion>();
        var records = Enumerable.Range(_pushed, count).Select(i => new RecordMetadata(
            $"OA-{i}", "A012", $"A012-2023-Y-{i:D6}", i % 10 == 0 ? $"关于档案数字化工作的通知（第{i}号）" : $"关于教育发展工作的通知（第{i}号）",
            "市档案局办公室", new DateOnly(2023, 5, 8), null, "permanent", "public", "administrative", [], null, "unconditional")).ToList();
        _pushed += count;
        foreach (var batch in records.Chunk(500))
        {
            await ingestion.PushManyAsync(batch, default);
        }
    }

    private async Task<string> ExplainAsync<T>(IQueryable<T> query)
    {
        await using var command = query.CreateDbCommand();
        await command.Connection!.OpenAsync();
        try
        {
            command.CommandText = "EXPLAIN " + command.CommandText;
            var lines = new List<string>();
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync()) lines.Add(reader.GetString(0));
            return string.Join('\n', lines);
        }
        finally
        {
            await command.Connection.CloseAsync();
        }
    }

    private sealed class FixedTime : TimeProvider
    {
        private readonly DateTimeOffset _now = DateTimeOffset.UtcNow;

        public override DateTimeOffset GetUtcNow() => _now;
    }
}
