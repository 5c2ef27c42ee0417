using System.Data.Common;
using System.Text.Json;
using Pulse.Collect.Events;

namespace Pulse.Collect.Log;

public abstract partial class EventLog
{
    /// <summary>Events after <paramref name="afterSeq"/> in log order, at most <paramref name="max"/>.</summary>
    public Task<IReadOnlyList<LoggedEvent>> ReadAsync(long afterSeq, int max, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        return Task.FromResult(Select("seq > $after ORDER BY seq LIMIT $max", ("after", afterSeq), ("max", max)));
    }

    /// <summary>Every column of the events that <paramref name="where"/> (with its ordering) selects.</summary>
    private IReadOnlyList<LoggedEvent> Select(string where, params (string Name, object Value)[] values)
    {
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {EventStore.Columns} FROM all_events WHERE {where}");
        foreach (var (name, value) in values)
            EventStore.Add(cmd, name, value);
        return ReadAll(cmd);
    }

    /// <summary>
    /// Events after <paramref name="afterSeq"/> of one partition of the workspaces (<paramref name="part"/> of
    /// <paramref name="parts"/>, by a hash of the workspace id) in log order, at most <paramref name="max"/>, and
    /// the head the read covers: when fewer than <paramref name="max"/> come back, the partition holds no
    /// other event up to that head, so its reader may move its position there.
    /// </summary>
    public async Task<(IReadOnlyList<LoggedEvent> Events, long Head)> ReadPartitionAsync(long afterSeq, int max, int part, int parts, CancellationToken ct)
    {
        if (parts == 1)
        {
            // What just arrived comes from memory where the log keeps it: the builder then follows the
            // commits, not the store's loader, which can be seconds behind under load.
            if (ReadRecentAll(afterSeq, max) is { } recent)
                return recent;
            // A range of positions, as destinations read: "the next max after" would make the store
            // filter and order the whole backlog above the position for every batch of a catch-up.
            var upTo = Math.Min(ReadableHead, afterSeq + Math.Max(max, 1));
            if (upTo <= afterSeq)
                return ([], Math.Max(upTo, afterSeq));
            ct.ThrowIfCancellationRequested();
            return (Select("seq > $after AND seq <= $upto ORDER BY seq", ("after", afterSeq), ("upto", upTo)), upTo);
        }
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        long covered;
        using (var h = c.CreateCommand())
        {
            // Every event up to the head read first is visible to the query that follows (commits are in number order).
            h.CommandText = "SELECT seq FROM log_head WHERE id = 1";
            covered = h.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0L;
        }
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {EventStore.Columns} FROM all_events WHERE seq > $after AND {_store.PartitionOf("workspace_id")} = $part ORDER BY seq LIMIT $max");
        EventStore.Add(cmd, "after", afterSeq);
        EventStore.Add(cmd, "parts", parts);
        EventStore.Add(cmd, "part", part);
        EventStore.Add(cmd, "max", max);
        return (ReadAll(cmd), covered);
    }

    /// <summary>
    /// Every event after <paramref name="afterSeq"/> (at most <paramref name="max"/>) from the newest events
    /// kept in memory, with the head the answer covers, when the log keeps them and still holds all of
    /// them; null sends the read to the store.
    /// </summary>
    private protected virtual (IReadOnlyList<LoggedEvent> Events, long Head)? ReadRecentAll(long afterSeq, int max) => null;

    /// <summary>The position a consumer has processed up to (0 when it never ran).</summary>
    public Task<long> CheckpointAsync(string consumer, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("SELECT seq FROM consumer_checkpoints WHERE consumer = $c");
        EventStore.Add(cmd, "c", consumer);
        return Task.FromResult(cmd.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, System.Globalization.CultureInfo.InvariantCulture) : 0L);
    }

    public Task SaveCheckpointAsync(string consumer, long seq, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("INSERT INTO consumer_checkpoints VALUES ($c, $s, $t) ON CONFLICT (consumer) DO UPDATE SET seq = excluded.seq, updated_at = excluded.updated_at");
        EventStore.Add(cmd, "c", consumer);
        EventStore.Add(cmd, "s", seq);
        EventStore.Add(cmd, "t", _time.GetUtcNow().UtcDateTime);
        cmd.ExecuteNonQuery();
        return Task.CompletedTask;
    }

    /// <summary>Writes every event of the workspace sent with one of <paramref name="ids"/> as a JSON array, oldest first.</summary>
    internal Task ExportAsync(Guid workspaceId, IReadOnlyList<string> ids, Utf8JsonWriter writer, CancellationToken ct)
    {
        writer.WriteStartArray();
        if (ids.Count > 0)
        {
            using var c = _store.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = _store.Sql($"SELECT {EventStore.Columns} FROM all_events WHERE {new EventFilter(workspaceId, Ids: ids).Where(cmd)} ORDER BY seq");
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                EventExporter.WriteJson(writer, Map(reader));
            }
        }
        writer.WriteEndArray();
        return Task.CompletedTask;
    }

    /// <summary>Maps a row selected as <see cref="EventStore.Columns"/>.</summary>
    internal static LoggedEvent Map(DbDataReader r)
    {
        var enrichment = new EventEnrichment
        {
            UtmSource = S(r, 14),
            UtmMedium = S(r, 15),
            UtmCampaign = S(r, 16),
            UtmTerm = S(r, 17),
            UtmContent = S(r, 18),
            Fbclid = S(r, 19),
            Ttclid = S(r, 20),
            LiFatId = S(r, 21),
            Gclid = S(r, 22),
            Msclkid = S(r, 23),
            ReferrerDomain = S(r, 24),
            ReferrerType = S(r, 25),
            ReferrerName = S(r, 26),
            PageHost = S(r, 27),
            PagePath = S(r, 28),
            Browser = S(r, 29),
            BrowserVersion = S(r, 30),
            Os = S(r, 31),
            OsVersion = S(r, 32),
            DeviceType = S(r, 33),
            IsBot = r.GetBoolean(34),
            BotName = S(r, 35),
            Ip = S(r, 36),
            Country = S(r, 37),
        };
        return new LoggedEvent(
            r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4), S(r, 5), S(r, 6), S(r, 7), S(r, 8), S(r, 9),
            Utc(r.GetDateTime(10)), r.IsDBNull(11) ? null : Utc(r.GetDateTime(11)), r.IsDBNull(12) ? null : Utc(r.GetDateTime(12)), Utc(r.GetDateTime(13)),
            enrichment, S(r, 38), S(r, 39), S(r, 40), r.GetString(41));
    }

    private static string? S(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}
