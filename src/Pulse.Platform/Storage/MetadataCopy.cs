using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Metadata;

namespace Pulse.Platform.Storage;

/// <summary>
/// Copies every row of one EF Core context's tables into the same model on another provider
/// (an embedded SQLite store into a cluster's PostgreSQL), keeping keys, hashes and timestamps as
/// they are. Tables go principal first (by foreign key), rows in chunks; identity columns'
/// sequences are moved past the copied values afterwards.
/// </summary>
internal static class MetadataCopy
{
    private const int Chunk = 2_000;

    /// <returns>Rows copied per table.</returns>
    public static async Task<IReadOnlyList<(string Table, long Rows)>> CopyAsync(DbContext source, DbContext target, Action<string>? progress, CancellationToken ct)
    {
        var counts = new List<(string, long)>();
        // Tables only the target has (cluster-only ones such as the shared key ring) are left to the caller.
        foreach (var type in InDependencyOrder(target.Model).Where(t => source.Model.FindEntityType(t.ClrType) is not null))
        {
            var rows = await (Task<long>)For(nameof(CopyTableAsync), type).Invoke(null, [source, target, ct])!;
            var table = type.GetTableName() ?? type.ClrType.Name;
            counts.Add((table, rows));
            progress?.Invoke($"{table}: {rows:N0} row(s)");
        }
        if (target.Database.IsNpgsql())
            await AdvanceIdentitiesAsync(target, ct);
        return counts;
    }

    /// <summary>Rows per table of <paramref name="db"/>'s model, for the check after a copy.</summary>
    public static async Task<IReadOnlyDictionary<string, long>> CountAsync(DbContext db, CancellationToken ct)
    {
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (var type in InDependencyOrder(db.Model))
        {
            counts[type.GetTableName() ?? type.ClrType.Name] = await (Task<long>)For(nameof(CountTableAsync), type).Invoke(null, [db, ct])!;
        }
        return counts;
    }

    /// <summary>The tables of <paramref name="db"/>'s model that a copy moves.</summary>
    public static IReadOnlySet<string> Tables(DbContext db) =>
        InDependencyOrder(db.Model).Select(t => t.GetTableName() ?? t.ClrType.Name).ToHashSet(StringComparer.Ordinal);

    /// <summary>A generic helper of this class made for the entity type's CLR type.</summary>
    private static System.Reflection.MethodInfo For(string method, IEntityType type) =>
        typeof(MetadataCopy).GetMethod(method, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(type.ClrType);

    private static async Task<long> CountTableAsync<T>(DbContext db, CancellationToken ct) where T : class =>
        await db.Set<T>().LongCountAsync(ct);

    private static async Task<long> CopyTableAsync<T>(DbContext source, DbContext target, CancellationToken ct) where T : class
    {
        long rows = 0;
        var batch = new List<T>(Chunk);
        await foreach (var row in source.Set<T>().AsNoTracking().AsAsyncEnumerable().WithCancellation(ct))
        {
            batch.Add(row);
            if (batch.Count == Chunk)
                rows += await SaveAsync(target, batch, ct);
        }
        rows += await SaveAsync(target, batch, ct);
        return rows;
    }

    private static async Task<int> SaveAsync<T>(DbContext target, List<T> batch, CancellationToken ct) where T : class
    {
        if (batch.Count == 0)
            return 0;
        target.Set<T>().AddRange(batch);
        await target.SaveChangesAsync(ct);
        target.ChangeTracker.Clear();
        var n = batch.Count;
        batch.Clear();
        return n;
    }

    /// <summary>Entity types mapped to tables, each after the types its foreign keys point to.</summary>
    private static List<IEntityType> InDependencyOrder(IModel model)
    {
        var types = model.GetEntityTypes().Where(t => t.GetTableName() is not null && !t.IsOwned() && t.BaseType is null).ToList();
        var ordered = new List<IEntityType>();
        var placed = new HashSet<IEntityType>();
        void Place(IEntityType t, HashSet<IEntityType> visiting)
        {
            if (placed.Contains(t) || !visiting.Add(t))
                return;
            foreach (var fk in t.GetForeignKeys())
            {
                if (fk.PrincipalEntityType != t)
                    Place(fk.PrincipalEntityType.GetRootType(), visiting);
            }
            placed.Add(t);
            ordered.Add(t);
        }
        foreach (var t in types.OrderBy(t => t.GetTableName(), StringComparer.Ordinal))
            Place(t, []);
        return ordered;
    }

    /// <summary>Moves each identity column's sequence past the largest copied value, so new rows do not collide.</summary>
    private static async Task AdvanceIdentitiesAsync(DbContext target, CancellationToken ct)
    {
        foreach (var type in InDependencyOrder(target.Model))
        {
            var table = type.GetTableName()!;
            var id = StoreObjectIdentifier.Table(table, type.GetSchema());
            foreach (var p in type.GetProperties().Where(p => p.IsPrimaryKey() && p.ValueGenerated == ValueGenerated.OnAdd && (p.ClrType == typeof(int) || p.ClrType == typeof(long))))
            {
                var column = p.GetColumnName(id);
#pragma warning disable EF1002 // identifiers come from the model, not from input
                await target.Database.ExecuteSqlRawAsync(
                    $"SELECT setval(pg_get_serial_sequence('\"{table}\"', '{column}'), GREATEST((SELECT max(\"{column}\") FROM \"{table}\"), 1))", ct);
#pragma warning restore EF1002
            }
        }
    }
}
