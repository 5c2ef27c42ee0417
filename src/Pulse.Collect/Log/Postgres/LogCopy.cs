using System.Data.Common;
using Npgsql;
using NpgsqlTypes;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// Copies an embedded event log (DuckDB) into a cluster's PostgreSQL log with binary COPY, keeping
/// every event's sequence number, so consumers' checkpoints stay true; then the head, and the message
/// ids of the deduplication window.
/// </summary>
internal static class LogCopy
{
    private const string Columns = EventStore.Columns;

    /// <summary>Events in a log (for progress and the check afterwards).</summary>
    public static long Count(EventStore store) => Scalar(store, "SELECT count(*) FROM all_events");

    /// <summary>The last sequence number a log holds (0 when empty).</summary>
    public static long MaxSeq(EventStore store) => Scalar(store, "SELECT coalesce(max(seq), 0) FROM all_events");

    private static long Scalar(EventStore store, string sql)
    {
        using var c = store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <returns>Events copied.</returns>
    public static async Task<long> CopyAsync(DuckDbEventStore source, PostgresEventStore target, int dedupWindowDays, DateTime now, IProgress<long>? progress, CancellationToken ct)
    {
        source.EnsureOpen();
        await using var pg = await target.Source.OpenConnectionAsync(ct);
        using var duck = source.Open();

        var days = new List<DateOnly>();
        using (var cmd = duck.CreateCommand())
        {
            cmd.CommandText = "SELECT DISTINCT CAST(received_at AS DATE) FROM all_events ORDER BY 1";
            using var r = cmd.ExecuteReader();
            while (r.Read())
                days.Add(DateOnly.FromDateTime(r.GetDateTime(0)));
        }
        LogPartitions.Ensure(pg, days);

        long copied = 0;
        using (var cmd = duck.CreateCommand())
        {
            cmd.CommandText = $"SELECT {Columns} FROM all_events ORDER BY seq";
            using var r = cmd.ExecuteReader();
            await using var copy = await pg.BeginBinaryImportAsync($"COPY events ({Columns}) FROM STDIN (FORMAT BINARY)", ct);
            while (r.Read())
            {
                ct.ThrowIfCancellationRequested();
                copy.StartRow();
                for (var i = 0; i < r.FieldCount; i++)
                    Write(copy, r, i);
                if (++copied % 10_000 == 0)
                    progress?.Report(copied);
            }
            await copy.CompleteAsync(ct);
        }
        progress?.Report(copied);

        var head = DuckDbEventStore.ReadHead(duck);
        await using (var setHead = new NpgsqlCommand("UPDATE log_head SET seq = GREATEST(seq, $1) WHERE id = 1", pg))
        {
            setHead.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
            await setHead.ExecuteNonQueryAsync(ct);
        }
        // The window's keys are hashes computed here, as the writer computes them.
        var since = now.AddDays(-dedupWindowDays);
        var keys = new Dictionary<Guid, DateTime>();
        using (var cmd = duck.CreateCommand())
        {
            cmd.CommandText = "SELECT source_id, message_id, received_at FROM all_events WHERE received_at >= $since";
            EventStore.Add(cmd, "since", since);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var key = PostgresEventLog.DedupKey(DedupFilter.Hash(r.GetGuid(0), r.GetString(1)));
                var at = DateTime.SpecifyKind(r.GetDateTime(2), DateTimeKind.Utc);
                if (!keys.TryGetValue(key, out var seen) || seen < at)
                    keys[key] = at;
            }
        }
        await using (var window = await pg.BeginBinaryImportAsync("COPY log_message_ids (id, received_at) FROM STDIN (FORMAT BINARY)", ct))
        {
            foreach (var (key, at) in keys)
            {
                window.StartRow();
                window.Write(key, NpgsqlDbType.Uuid);
                window.Write(at, NpgsqlDbType.TimestampTz);
            }
            await window.CompleteAsync(ct);
        }
        return copied;
    }

    private static void Write(NpgsqlBinaryImporter copy, DbDataReader r, int i)
    {
        if (r.IsDBNull(i))
        {
            copy.WriteNull();
            return;
        }
        switch (i)
        {
            case 0:
                copy.Write(r.GetInt64(i), NpgsqlDbType.Bigint);
                break;
            case 1 or 2:
                copy.Write(r.GetGuid(i), NpgsqlDbType.Uuid);
                break;
            case >= 10 and <= 13:
                copy.Write(DateTime.SpecifyKind(r.GetDateTime(i), DateTimeKind.Utc), NpgsqlDbType.TimestampTz);
                break;
            case 34:
                copy.Write(r.GetBoolean(i), NpgsqlDbType.Boolean);
                break;
            default:
                copy.Write(PostgresText.Clean(r.GetString(i))!, NpgsqlDbType.Text);
                break;
        }
    }
}
