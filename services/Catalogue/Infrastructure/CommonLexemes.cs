using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;

namespace Platform.Catalogue.Infrastructure;

/// <summary>
/// The search tokens most records of a table hold, read from PostgreSQL's own statistics of its <c>search_vector</c>
/// column (<c>pg_stats.most_common_elems</c>, kept by ANALYZE and autovacuum) and kept for <see cref="Lifetime"/>.
/// A search leaves them out of what it asks the GIN index (<see cref="Model.SearchText.Selective"/>). When this
/// process analyses a table after a bulk write (<see cref="SearchStatistics"/>) it forgets the table's entry; a table
/// without statistics yet is looked at again after <see cref="LifetimeWithoutStatistics"/>.
/// </summary>
public sealed class CommonLexemes(TimeProvider time)
{
    /// <summary>A token held by at least this share of the records is common.</summary>
    public const double Threshold = 0.5;

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(5);

    /// <summary>How long an empty answer (the table not analysed yet, e.g. right after its first records arrived) is kept.</summary>
    public static readonly TimeSpan LifetimeWithoutStatistics = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, (DateTimeOffset Read, HashSet<string> Lexemes)> tables = new(StringComparer.Ordinal);

    /// <summary>The common tokens of <paramref name="table"/> (empty until the table has been analysed).</summary>
    public async Task<Func<string, bool>> OfAsync(CatalogueDbContext db, string table, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!tables.TryGetValue(table, out var cached) || now - cached.Read > (cached.Lexemes.Count == 0 ? LifetimeWithoutStatistics : Lifetime))
        {
            var lexemes = await db.Database.SqlQueryRaw<string>("""
                SELECT e.lexeme AS "Value"
                FROM pg_stats s, unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, frequency)
                WHERE s.schemaname = current_schema() AND s.tablename = {0} AND s.attname = 'search_vector'
                  AND e.lexeme IS NOT NULL AND e.frequency >= {1}
                """, table, Threshold).ToListAsync(cancellationToken);
            cached = (now, new HashSet<string>(lexemes, StringComparer.Ordinal));
            tables[table] = cached;
        }
        return cached.Lexemes.Contains;
    }

    /// <summary>Drops what was read for <paramref name="table"/>: its statistics have just changed.</summary>
    public void Forget(string table) => tables.TryRemove(table, out _);
}
