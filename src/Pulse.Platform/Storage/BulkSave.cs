using System.Data.Common;
using System.Globalization;
using System.Text;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.EntityFrameworkCore.Storage.ValueConversion;

namespace Pulse.Platform.Storage;

/// <summary>
/// Saves what a context tracks as added or changed in a few multi-row statements instead of
/// <see cref="DbContext.SaveChangesAsync(CancellationToken)"/>'s statement per row: an
/// <c>INSERT … VALUES (…), (…)</c> per table for new rows and an
/// <c>INSERT … ON CONFLICT (key) DO UPDATE</c> for changed ones, with the model's own table and
/// column names and value converters, so the same code serves SQLite and PostgreSQL. For writers
/// of thousands of rows per transaction (the profile builder): EF Core's per-row commands cost
/// most of such a batch.
/// </summary>
/// <remarks>
/// Rows are written whole (every column of a changed row, not only the changed ones) and tables in
/// the order of their foreign keys (principals first). Deleted rows are not supported; the caller
/// saves those through EF Core. Run inside the context's transaction; afterwards the context holds
/// the rows as unchanged.
/// </remarks>
public static class BulkSave
{
    // PostgreSQL allows 65,535 parameters per statement.
    private const int MaxParameters = 30_000;

    public static async Task SaveAsync(DbContext db, CancellationToken ct)
    {
        db.ChangeTracker.DetectChanges();
        var entries = new List<EntityEntry>();
        foreach (var e in db.ChangeTracker.Entries())
        {
            if (e.State == EntityState.Deleted)
                throw new InvalidOperationException("BulkSave does not delete rows; save deletions through EF Core.");
            if (e.State is EntityState.Added or EntityState.Modified)
                entries.Add(e);
        }
        if (entries.Count == 0)
            return;
        foreach (var group in entries.GroupBy(e => e.Metadata).OrderBy(g => g.Key.GetForeignKeys().Count()))
        {
            var columns = group.Key.GetProperties().ToList();
            void Values(EntityEntry e, object?[] into)
            {
                var values = e.CurrentValues;
                for (var c = 0; c < columns.Count; c++)
                    into[c] = values[columns[c]];
            }
            await WriteAsync(db, group.Key, group.Where(e => e.State == EntityState.Added).ToList(), Values, upsert: false, ct);
            await WriteAsync(db, group.Key, group.Where(e => e.State == EntityState.Modified).ToList(), Values, upsert: true, ct);
        }
        db.ChangeTracker.AcceptAllChanges();
    }

    /// <summary>
    /// Writes entities the context does not track (a writer that keeps its own rows, as the profile
    /// builder does): <paramref name="added"/> as new rows, <paramref name="changed"/> as whole rows
    /// over the stored ones. Same statements, names and converters as <see cref="SaveAsync"/>.
    /// </summary>
    public static async Task WriteAsync<T>(DbContext db, IReadOnlyCollection<T> added, IReadOnlyCollection<T> changed, CancellationToken ct)
        where T : class
    {
        var type = db.Model.FindEntityType(typeof(T)) ?? throw new InvalidOperationException($"{typeof(T).Name} is not in the context's model.");
        var getters = type.GetProperties().Select(p => p.GetGetter()).ToArray();
        void Values(T row, object?[] into)
        {
            for (var c = 0; c < getters.Length; c++)
                into[c] = getters[c].GetClrValue(row);
        }
        await WriteAsync(db, type, added, Values, upsert: false, ct);
        await WriteAsync(db, type, changed, Values, upsert: true, ct);
    }

    private static async Task WriteAsync<TRow>(DbContext db, IEntityType type, IReadOnlyCollection<TRow> rows, Action<TRow, object?[]> valuesOf, bool upsert, CancellationToken ct)
    {
        if (rows.Count == 0)
            return;
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sqlite = db.Database.ProviderName?.Contains("Sqlite", StringComparison.Ordinal) == true;
        var table = type.GetTableName() ?? throw new InvalidOperationException($"{type.DisplayName()} has no table.");
        var columns = type.GetProperties().ToList();
        var converters = columns.Select(p => p.GetTypeMapping().Converter).ToArray();
        // One buffer for every row's values: the writer's rows run to thousands per batch.
        var values = new object?[columns.Count];
        if (sqlite)
        {
            // SQLite runs in-process: one prepared single-row statement, bound again per row, is its fastest way.
            await using var one = connection.CreateCommand();
            one.Transaction = transaction;
            var parameters = new DbParameter[columns.Count];
            one.CommandText = Statement(table, type, columns, 1, upsert, one, parameters);
            one.Prepare();
            foreach (var row in rows)
            {
                ct.ThrowIfCancellationRequested();
                valuesOf(row, values);
                for (var c = 0; c < columns.Count; c++)
                    parameters[c].Value = ProviderValue(values[c], converters[c]);
                // Microsoft.Data.Sqlite runs every command synchronously; the async call only adds a task per row.
                one.ExecuteNonQuery();
            }
            return;
        }
        foreach (var chunk in rows.Chunk(Math.Max(1, MaxParameters / columns.Count)))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            var parameters = new DbParameter[chunk.Length * columns.Count];
            cmd.CommandText = Statement(table, type, columns, chunk.Length, upsert, cmd, parameters);
            for (var r = 0; r < chunk.Length; r++)
            {
                valuesOf(chunk[r], values);
                for (var c = 0; c < columns.Count; c++)
                    parameters[r * columns.Count + c].Value = ProviderValue(values[c], converters[c]);
            }
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    private static string Statement(string table, IEntityType type, List<IProperty> columns, int rows, bool upsert, DbCommand cmd, DbParameter[] parameters)
    {
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var keys = type.FindPrimaryKey()!.Properties;
        var names = columns.Select(p => Quote(p.GetColumnName(store)!)).ToList();
        var sql = new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (").AppendJoin(", ", names).Append(") VALUES ");
        var n = 0;
        for (var r = 0; r < rows; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = "@b" + n.ToString(CultureInfo.InvariantCulture);
                sql.Append(c == 0 ? "" : ", ").Append(name);
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = DBNull.Value;
                cmd.Parameters.Add(p);
                parameters[n++] = p;
            }
            sql.Append(')');
        }
        if (upsert)
        {
            sql.Append(" ON CONFLICT (").AppendJoin(", ", keys.Select(k => Quote(k.GetColumnName(store)!))).Append(") DO UPDATE SET ");
            sql.AppendJoin(", ", columns.Where(p => !keys.Contains(p)).Select(p => Quote(p.GetColumnName(store)!)).Select(c => $"{c} = excluded.{c}"));
        }
        return sql.ToString();
    }

    private static object ProviderValue(object? value, ValueConverter? converter)
    {
        if (converter is not null && value is not null)
            value = converter.ConvertToProvider(value);
        return value ?? DBNull.Value;
    }

    private static string Quote(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
