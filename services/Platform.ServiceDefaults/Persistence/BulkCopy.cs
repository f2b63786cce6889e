using System.Collections.Concurrent;
using System.Linq.Expressions;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;
using Npgsql;
using Npgsql.EntityFrameworkCore.PostgreSQL.Metadata;

namespace Platform.ServiceDefaults.Persistence;

/// <summary>
/// Inserts new entities with PostgreSQL's binary <c>COPY</c>, on the context's connection and so inside its current
/// transaction. The columns, their store types and value conversions come from the EF model, so a table keeps one
/// mapping. For bulk writes: no change tracking, no SQL per row, no values read back (computed and identity columns
/// are left to the database, which fills them as for any insert).
/// </summary>
public static class BulkCopy
{
    private static readonly ConcurrentDictionary<(IModel, Type), CopyPlan> Plans = new();

    /// <summary>
    /// Inserts the <typeparamref name="T"/> entities <paramref name="db"/> tracks as added with one COPY and stops
    /// tracking them, so that <c>SaveChanges</c> writes only the changes to rows that were already there. For batch
    /// consumers that add many rows: call it last, once nothing else needs the new entities among the tracked ones.
    /// </summary>
    public static async Task CopyAddedAsync<T>(this DbContext db, CancellationToken cancellationToken) where T : class
    {
        var added = db.ChangeTracker.Entries<T>().Where(e => e.State == EntityState.Added).ToList();
        await db.CopyAsync(added.ConvertAll(e => e.Entity), cancellationToken);
        added.ForEach(e => e.State = EntityState.Detached);
    }

    /// <summary>Inserts <paramref name="rows"/> (new entities, not tracked) in one COPY; a constraint violation fails the whole COPY.</summary>
    public static async Task CopyAsync<T>(this DbContext db, IReadOnlyCollection<T> rows, CancellationToken cancellationToken) where T : class
    {
        if (rows.Count == 0)
        {
            return;
        }
        var plan = Plans.GetOrAdd((db.Model, typeof(T)), key => CopyPlan.For(key.Item1, key.Item2));
        await db.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)db.Database.GetDbConnection();
            await using var importer = await connection.BeginBinaryImportAsync(plan.Command, cancellationToken);
            foreach (var row in rows)
            {
                await importer.StartRowAsync(cancellationToken);
                foreach (var column in plan.Columns)
                {
                    if (column.Read(row) is { } value)
                    {
                        await importer.WriteAsync(value, column.StoreType, cancellationToken);
                    }
                    else
                    {
                        await importer.WriteNullAsync(cancellationToken);
                    }
                }
            }
            await importer.CompleteAsync(cancellationToken);
        }
        finally
        {
            await db.Database.CloseConnectionAsync();
        }
    }

    private sealed record CopyColumn(string Name, string StoreType, Func<object, object?> Read);

    private sealed record CopyPlan(string Command, IReadOnlyList<CopyColumn> Columns)
    {
        public static CopyPlan For(IModel model, Type type)
        {
            var entity = model.FindEntityType(type) ?? throw new InvalidOperationException($"{type.Name} is not an entity of this context.");
            var table = StoreObjectIdentifier.Table(entity.GetTableName()!, entity.GetSchema());
            var columns = entity.GetProperties()
                .Where(p => p.GetComputedColumnSql() is null && !IsIdentity(p))
                .Select(p => new CopyColumn(p.GetColumnName(table)!, StoreType(p), Reader(p)))
                .ToList();
            var name = entity.GetSchema() is { } schema ? $"\"{schema}\".\"{table.Name}\"" : $"\"{table.Name}\"";
            return new CopyPlan($"COPY {name} ({string.Join(", ", columns.Select(c => $"\"{c.Name}\""))}) FROM STDIN (FORMAT BINARY)", columns);
        }

        private static bool IsIdentity(IProperty property) => property.GetValueGenerationStrategy()
            is NpgsqlValueGenerationStrategy.IdentityAlwaysColumn or NpgsqlValueGenerationStrategy.IdentityByDefaultColumn or NpgsqlValueGenerationStrategy.SerialColumn;

        // Npgsql names types as PostgreSQL does; the length of a varchar is a constraint, not part of the wire type.
        private static string StoreType(IProperty property)
        {
            var type = property.GetColumnType();
            var facets = type.IndexOf('(', StringComparison.Ordinal);
            return facets < 0 ? type : type[..facets] + type[(type.IndexOf(')', facets) + 1)..];
        }

        private static Func<object, object?> Reader(IProperty property)
        {
            var entity = Expression.Parameter(typeof(object), "entity");
            var value = Expression.Property(Expression.Convert(entity, property.DeclaringType.ClrType), property.PropertyInfo!);
            var read = Expression.Lambda<Func<object, object?>>(Expression.Convert(value, typeof(object)), entity).Compile();
            var converter = property.GetTypeMapping().Converter;
            return converter is null ? read : row => read(row) is { } clr ? converter.ConvertToProvider(clr) : null;
        }
    }
}
