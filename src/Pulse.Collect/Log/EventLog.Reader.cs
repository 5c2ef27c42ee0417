using System.Globalization;
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

    /// <summary>
    /// Track events named <paramref name="names"/> (any workspace) among the next <paramref name="max"/>
    /// positions after <paramref name="afterSeq"/>, in log order, with the head the read covers: no other
    /// event of those names lies up to it, so a consumer of just those events moves its checkpoint there.
    /// </summary>
    public Task<(IReadOnlyList<LoggedEvent> Events, long Head)> ReadNamedAsync(long afterSeq, int max, IReadOnlyList<string> names, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var upTo = Math.Min(ReadableHead, afterSeq + Math.Max(max, 1));
        if (upTo <= afterSeq || names.Count == 0)
            return Task.FromResult<(IReadOnlyList<LoggedEvent>, long)>(([], Math.Max(afterSeq, upTo)));
        var values = new List<(string, object)> { ("after", afterSeq), ("upto", upTo) };
        var list = new List<string>();
        for (var i = 0; i < names.Count; i++)
        {
            list.Add("$n" + i.ToString(CultureInfo.InvariantCulture));
            values.Add(("n" + i.ToString(CultureInfo.InvariantCulture), names[i]));
        }
        var events = Select($"seq > $after AND seq <= $upto AND type = 'track' AND event IN ({string.Join(", ", list)}) ORDER BY seq", [.. values]);
        return Task.FromResult((events, upTo));
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
    /// The profile builder's read: events after <paramref name="afterSeq"/> of the partitions
    /// <paramref name="owned"/> (of <paramref name="parts"/>, by a hash of the workspace id) in log
    /// order, at most <paramref name="max"/>, each with its partition, and the head the read covers:
    /// when fewer than <paramref name="max"/> come back, those partitions hold no other event up to
    /// that head, so each may move its position there.
    /// <para>
    /// With one partition, what just arrived comes from memory where the log keeps it, whole. With
    /// more (cluster mode) it comes from the store in one query for all of them (a query per
    /// partition read and hashed every new row once per partition), and the events carry what the
    /// identity graph uses: ids, type, times, consent, and the raw message only where the graph
    /// parses it (identifies and messages with consent, see <see cref="NeedsRawSql"/>); the
    /// enrichment is empty and other raw messages are "" (the raw JSON was most of what the read moved).
    /// </para>
    /// </summary>
    public async Task<PartitionedEvents> ReadPartitionsAsync(long afterSeq, int max, IReadOnlyCollection<int> owned, int parts, CancellationToken ct)
    {
        if (parts == 1)
        {
            // What just arrived comes from memory where the log keeps it: the builder then follows the
            // commits, not the store's loader, which can be seconds behind under load.
            if (ReadRecentAll(afterSeq, max) is { } recent)
                return new(recent.Events, null, recent.Head);
            // A range of positions, as destinations read: "the next max after" would make the store
            // filter and order the whole backlog above the position for every batch of a catch-up.
            var upTo = Math.Min(ReadableHead, afterSeq + Math.Max(max, 1));
            if (upTo <= afterSeq)
                return new([], null, Math.Max(upTo, afterSeq));
            ct.ThrowIfCancellationRequested();
            return new(Select("seq > $after AND seq <= $upto ORDER BY seq", ("after", afterSeq), ("upto", upTo)), null, upTo);
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
        var partition = _store.PartitionOf("workspace_id");
        var list = string.Join(", ", owned.Select(p => p.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // A node that holds every partition (one node, or the others down) reads every event.
        var which = owned.Distinct().Count() >= parts ? "" : $" AND {partition} IN ({list})";
        cmd.CommandText = _store.Sql($"SELECT {IdentityColumns}, {partition} FROM all_events WHERE seq > $after{which} ORDER BY seq LIMIT $max");
        EventStore.Add(cmd, "after", afterSeq);
        EventStore.Add(cmd, "parts", parts);
        EventStore.Add(cmd, "max", max);
        var events = new List<LoggedEvent>();
        var of = new List<int>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                events.Add(MapIdentity(r));
                of.Add(Convert.ToInt32(r.GetValue(16), System.Globalization.CultureInfo.InvariantCulture));
            }
        }
        return new(events, of.ToArray(), covered);
    }

    /// <summary>
    /// Where <see cref="Profiles.IdentityGraph"/> parses an event's raw message: identifies (traits)
    /// and messages with consent. The builder's read carries the raw message only for these.
    /// </summary>
    internal const string NeedsRawSql = "type = 'identify' OR consent IS NOT NULL";

    private const string IdentityColumns =
        "seq, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, group_id, previous_id, ts, original_ts, sent_at, received_at, consent, " +
        "CASE WHEN " + NeedsRawSql + " THEN raw ELSE '' END";

    // Immutable (a record of init-only values): one instance serves every event of the builder's read.
    private static readonly EventEnrichment NoEnrichment = new();

    private static LoggedEvent MapIdentity(DbDataReader r) => Event(r, NoEnrichment, S(r, 14), null, null, r.GetString(15));

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
        return Event(r, enrichment, S(r, 38), S(r, 39), S(r, 40), r.GetString(41));
    }

    /// <summary>An event from the first 14 columns both reads begin with (seq … received_at) and the rest as given.</summary>
    private static LoggedEvent Event(DbDataReader r, EventEnrichment enrichment, string? consent, string? violations, string? planVersion, string raw) =>
        new(r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4), S(r, 5), S(r, 6), S(r, 7), S(r, 8), S(r, 9),
            Utc(r.GetDateTime(10)), r.IsDBNull(11) ? null : Utc(r.GetDateTime(11)), r.IsDBNull(12) ? null : Utc(r.GetDateTime(12)), Utc(r.GetDateTime(13)),
            enrichment, consent, violations, planVersion, raw);

    private static string? S(DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);

    private static DateTimeOffset Utc(DateTime d) => new(DateTime.SpecifyKind(d, DateTimeKind.Utc));
}

/// <summary>
/// Events of the partitions a read asked for, in log order, with each one's partition
/// (<see cref="Parts"/>, by index; null when there is one partition), and the head the read covers.
/// </summary>
public sealed record PartitionedEvents(IReadOnlyList<LoggedEvent> Events, int[]? Parts, long Head)
{
    /// <summary>The events of <paramref name="part"/> after <paramref name="afterSeq"/>, in log order.</summary>
    public IReadOnlyList<LoggedEvent> Of(int part, long afterSeq)
    {
        // One partition read from its own position (embedded mode, every batch): the read itself, not a copy.
        if (Parts is null && (Events.Count == 0 || Events[0].Seq > afterSeq))
            return Events;
        var mine = new List<LoggedEvent>();
        for (var i = 0; i < Events.Count; i++)
        {
            if ((Parts is null ? 0 : Parts[i]) == part && Events[i].Seq > afterSeq)
                mine.Add(Events[i]);
        }
        return mine;
    }
}
