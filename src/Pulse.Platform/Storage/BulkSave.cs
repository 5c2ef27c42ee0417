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
        var connection = db.Database.GetDbConnection();
        var transaction = db.Database.CurrentTransaction?.GetDbTransaction();
        var sqlite = db.Database.ProviderName?.Contains("Sqlite", StringComparison.Ordinal) == true;
        foreach (var group in entries.GroupBy(e => e.Metadata).OrderBy(g => g.Key.GetForeignKeys().Count()))
        {
            var type = group.Key;
            var table = type.GetTableName() ?? throw new InvalidOperationException($"{type.DisplayName()} has no table.");
            var columns = type.GetProperties().ToList();
            var keys = type.FindPrimaryKey()!.Properties;
            var converters = columns.Select(p => p.GetTypeMapping().Converter).ToArray();
            foreach (var (rows, upsert) in new[] { (group.Where(e => e.State == EntityState.Added).ToList(), false), (group.Where(e => e.State == EntityState.Modified).ToList(), true) })
            {
                if (rows.Count == 0)
                    continue;
                if (sqlite)
                {
                    // SQLite runs in-process: one prepared single-row statement, bound again per row, is its fastest way.
                    await using var one = connection.CreateCommand();
                    one.Transaction = transaction;
                    one.CommandText = Statement(table, type, columns, converters, keys, rows.Take(1).ToArray(), upsert, one);
                    one.Prepare();
                    var parameters = one.Parameters.Cast<DbParameter>().ToArray();
                    foreach (var row in rows)
                    {
                        ct.ThrowIfCancellationRequested();
                        var values = row.CurrentValues;
                        for (var c = 0; c < columns.Count; c++)
                            parameters[c].Value = ProviderValue(values[columns[c]], converters[c]);
                        // Microsoft.Data.Sqlite runs every command synchronously; the async call only adds a task per row.
                        one.ExecuteNonQuery();
                    }
                    continue;
                }
                foreach (var chunk in rows.Chunk(Math.Max(1, MaxParameters / columns.Count)))
                {
                    await using var cmd = connection.CreateCommand();
                    cmd.Transaction = transaction;
                    cmd.CommandText = Statement(table, type, columns, converters, keys, chunk, upsert, cmd);
                    await cmd.ExecuteNonQueryAsync(ct);
                }
            }
        }
        db.ChangeTracker.AcceptAllChanges();
    }

    private static string Statement(string table, IEntityType type, List<IProperty> columns, ValueConverter?[] converters, IReadOnlyList<IProperty> keys, EntityEntry[] rows, bool upsert, DbCommand cmd)
    {
        var store = StoreObjectIdentifier.Table(table, type.GetSchema());
        var names = columns.Select(p => Quote(p.GetColumnName(store)!)).ToList();
        var sql = new StringBuilder("INSERT INTO ").Append(Quote(table)).Append(" (").AppendJoin(", ", names).Append(") VALUES ");
        var n = 0;
        for (var r = 0; r < rows.Length; r++)
        {
            sql.Append(r == 0 ? "(" : ", (");
            for (var c = 0; c < columns.Count; c++)
            {
                var name = "@b" + (n++).ToString(CultureInfo.InvariantCulture);
                sql.Append(c == 0 ? "" : ", ").Append(name);
                var p = cmd.CreateParameter();
                p.ParameterName = name;
                p.Value = ProviderValue(rows[r].CurrentValues[columns[c]], converters[c]);
                cmd.Parameters.Add(p);
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
