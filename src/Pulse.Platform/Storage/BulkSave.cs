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
/// Saves what a context tracks as added or changed without
/// <see cref="DbContext.SaveChangesAsync(CancellationToken)"/>'s per-row commands: on PostgreSQL
/// one <c>INSERT … SELECT * FROM unnest(arrays)</c> per table for new rows and the same with
/// <c>ON CONFLICT (key) DO UPDATE</c> for changed ones; on SQLite (in-process) one prepared
/// single-row statement bound again per row. Both use the model's own table and column names and
/// value converters. For writers
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
            one.CommandText = SingleRow(table, type, columns, upsert, one, parameters);
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
        // PostgreSQL: one array per column, unnest()ed into rows. A multi-row VALUES list of named
        // parameters made Npgsql parse and rewrite a statement of up to 30,000 of them per chunk,
        // most of the builder's own CPU per batch; arrays are sent in binary, one value per column.
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        foreach (var chunk in rows.Chunk(MaxArrayRows))
        {
            await using var cmd = connection.CreateCommand();
            cmd.Transaction = transaction;
            var arrays = new Array[columns.Count];
            for (var c = 0; c < columns.Count; c++)
                arrays[c] = Array.CreateInstance(ElementType(columns[c]), chunk.Length);
            for (var r = 0; r < chunk.Length; r++)
            {
                valuesOf(chunk[r], values);
                for (var c = 0; c < columns.Count; c++)
                    arrays[c].SetValue(values[c] is { } v && converters[c] is { } conv ? conv.ConvertToProvider(v) : values[c], r);
            }
            var sql = Insert(table, columns, store).Append(" SELECT * FROM unnest(");
            for (var c = 0; c < columns.Count; c++)
            {
                var p = cmd.CreateParameter();
                p.ParameterName = "@a" + c.ToString(CultureInfo.InvariantCulture);
                p.Value = arrays[c];
                cmd.Parameters.Add(p);
                sql.Append(c == 0 ? "" : ", ").Append(p.ParameterName).Append("::").Append(columns[c].GetColumnType(store)).Append("[]");
            }
            sql.Append(')');
            if (upsert)
                OnConflict(sql, type, columns, store);
            cmd.CommandText = sql.ToString();
            await cmd.ExecuteNonQueryAsync(ct);
        }
    }

    // PostgreSQL: rows per statement (arrays have no parameter limit; this bounds one message's size).
    private const int MaxArrayRows = 50_000;

    /// <summary>The CLR type of a column's values as the provider takes them (nullable where the column is).</summary>
    private static Type ElementType(IProperty p)
    {
        var mapping = p.GetTypeMapping();
        var t = mapping.Converter?.ProviderClrType ?? mapping.ClrType;
        t = Nullable.GetUnderlyingType(t) ?? t;
        return t.IsValueType && p.IsNullable ? typeof(Nullable<>).MakeGenericType(t) : t;
    }

    /// <summary><c>INSERT INTO "table" ("column", …)</c>, for the rows to follow.</summary>
    private static StringBuilder Insert(string table, List<IProperty> columns, StoreObjectIdentifier store) =>
        new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (").AppendJoin(", ", columns.Select(p => Quote(p.GetColumnName(store)!))).Append(')');

    private static void OnConflict(StringBuilder sql, IEntityType type, List<IProperty> columns, StoreObjectIdentifier store)
    {
        var keys = type.FindPrimaryKey()!.Properties;
        sql.Append(" ON CONFLICT (").AppendJoin(", ", keys.Select(k => Quote(k.GetColumnName(store)!))).Append(") DO UPDATE SET ");
        sql.AppendJoin(", ", columns.Where(p => !keys.Contains(p)).Select(p => Quote(p.GetColumnName(store)!)).Select(c => $"{c} = excluded.{c}"));
    }

    /// <summary>SQLite's single-row statement, its parameters created into <paramref name="parameters"/>.</summary>
    private static string SingleRow(string table, IEntityType type, List<IProperty> columns, bool upsert, DbCommand cmd, DbParameter[] parameters)
    {
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var sql = Insert(table, columns, store).Append(" VALUES (");
        for (var c = 0; c < columns.Count; c++)
        {
            var p = cmd.CreateParameter();
            p.ParameterName = "@b" + c.ToString(CultureInfo.InvariantCulture);
            p.Value = DBNull.Value;
            cmd.Parameters.Add(p);
            parameters[c] = p;
            sql.Append(c == 0 ? "" : ", ").Append(p.ParameterName);
        }
        sql.Append(')');
        if (upsert)
            OnConflict(sql, type, columns, store);
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
