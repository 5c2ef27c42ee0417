using System.Data.Common;
using System.Globalization;
using System.Text;

namespace Pulse.Collect.Log;

public abstract partial class EventLog
{
    /// <summary>
    /// Events of one workspace after <paramref name="afterSeq"/> (and up to <paramref name="toSeq"/>
    /// when given) from the listed sources, in log order, with the head the read covers: one read covers
    /// at most <paramref name="max"/> positions (so at most that many events come back), and nothing
    /// else matches up to the returned head, so a reader moves its position there and reads on from it.
    /// Destinations read their queue this way.
    /// The events carry what delivery uses (<see cref="DeliveryColumns"/>): of the enrichment only the
    /// click ids, the address and the robot flag; the other derived fields are left empty (the raw
    /// message has what the sender sent).
    /// </summary>
    /// <param name="names">Only track events of these names and other calls of these types (page, identify …), or null for every event.</param>
    public Task<(IReadOnlyList<LoggedEvent> Events, long Head)> ReadSelectedAsync(
        Guid workspaceId, IReadOnlyList<Guid> sources, IReadOnlyList<string>? names, long afterSeq, long? toSeq, int max, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        // A range of positions, not "the next max matches": over a long backlog the store then reads a
        // narrow range instead of filtering and ordering everything up to the head (a third of the cost).
        var limit = Math.Min(toSeq ?? long.MaxValue, afterSeq + Math.Max(max, 1));
        if (sources.Count > 0 && ReadRecent(workspaceId, sources, names, afterSeq, limit) is { } recent)
            return Task.FromResult(recent);
        // Every event up to the readable head is visible to the query that follows (commits are in number order).
        var upTo = Math.Min(ReadableHead, limit);
        if (sources.Count == 0 || upTo <= afterSeq)
            return Task.FromResult<(IReadOnlyList<LoggedEvent>, long)>(([], upTo));
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var sql = new StringBuilder($"SELECT {DeliveryColumns} FROM all_events WHERE workspace_id = $ws AND seq > $after AND seq <= $upto AND source_id IN (");
        EventStore.Add(cmd, "ws", workspaceId);
        EventStore.Add(cmd, "after", afterSeq);
        EventStore.Add(cmd, "upto", upTo);
        AppendList(sql, cmd, "s", sources.Cast<object>().ToList());
        sql.Append(')');
        if (names is not null)
        {
            if (names.Count == 0)
                return Task.FromResult<(IReadOnlyList<LoggedEvent>, long)>(([], upTo));
            // Track events by name, the other calls (page, identify …) by their type.
            var list = new StringBuilder();
            AppendList(list, cmd, "n", names.Cast<object>().ToList());
            sql.Append($" AND (event IN ({list}) OR (event IS NULL AND type IN ({list})))");
        }
        cmd.CommandText = _store.Sql(sql.ToString());
        using var reader = cmd.ExecuteReader();
        var events = new List<LoggedEvent>((int)Math.Min(upTo - afterSeq, 8192));
        while (reader.Read())
            events.Add(MapForDelivery(reader));
        // Without ORDER BY … LIMIT the store streams the range instead of sorting it whole: order here (it comes nearly sorted).
        events.Sort(static (x, y) => x.Seq.CompareTo(y.Seq));
        return Task.FromResult<(IReadOnlyList<LoggedEvent>, long)>((events, upTo));
    }

    /// <summary>
    /// The same read from the newest events kept in memory, when the log keeps them and still holds
    /// everything after <paramref name="afterSeq"/>; null sends the read to the store.
    /// </summary>
    private protected virtual (IReadOnlyList<LoggedEvent> Events, long Head)? ReadRecent(
        Guid workspaceId, IReadOnlyList<Guid> sources, IReadOnlyList<string>? names, long afterSeq, long upTo) => null;

    /// <summary>The position up to which <see cref="ReadSelectedAsync"/> sees every event for a reader at <paramref name="afterSeq"/>.</summary>
    private protected virtual long DeliverableAfter(long afterSeq) => ReadableHead;

    /// <summary>Completes when <see cref="ReadSelectedAsync"/> from <paramref name="afterSeq"/> would find positions after it (at once if it would now).</summary>
    public Task WaitForDeliverableAsync(long afterSeq, CancellationToken ct)
    {
        var committed = Volatile.Read(ref _committed);
        var loaded = Volatile.Read(ref _newData);
        return DeliverableAfter(afterSeq) > afterSeq ? Task.CompletedTask : Task.WhenAny(committed.Task, loaded.Task).WaitAsync(ct);
    }

    private TaskCompletionSource _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A commit became readable from memory: wakes readers waiting in <see cref="WaitForDeliverableAsync"/>.</summary>
    private protected void PublishCommitted() =>
        Interlocked.Exchange(ref _committed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    /// <summary>
    /// The columns delivery reads (a third of the table's): each column read costs a value conversion
    /// per event, and forwarding reads every event of a destination's sources.
    /// </summary>
    private const string DeliveryColumns =
        "seq, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, ts, received_at, fbclid, ttclid, li_fat_id, is_bot, ip, consent, raw";

    private static LoggedEvent MapForDelivery(DbDataReader r) =>
        new(r.GetInt64(0), r.GetGuid(1), r.GetGuid(2), r.GetString(3), r.GetString(4), S(r, 5), S(r, 6), S(r, 7), null, null,
            Utc(r.GetDateTime(8)), null, null, Utc(r.GetDateTime(9)),
            new EventEnrichment { Fbclid = S(r, 10), Ttclid = S(r, 11), LiFatId = S(r, 12), IsBot = r.GetBoolean(13), Ip = S(r, 14) },
            S(r, 15), null, null, r.GetString(16));

    /// <summary>The events of a workspace at the given positions still in the log (a dead letter's event may have passed the retention period).</summary>
    public Task<IReadOnlyList<LoggedEvent>> ReadPositionsAsync(Guid workspaceId, IReadOnlyList<long> seqs, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (seqs.Count == 0)
            return Task.FromResult<IReadOnlyList<LoggedEvent>>([]);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var sql = new StringBuilder($"SELECT {EventStore.Columns} FROM all_events WHERE workspace_id = $ws AND seq IN (");
        EventStore.Add(cmd, "ws", workspaceId);
        AppendList(sql, cmd, "q", seqs.Cast<object>().ToList());
        sql.Append(") ORDER BY seq");
        cmd.CommandText = _store.Sql(sql.ToString());
        return Task.FromResult<IReadOnlyList<LoggedEvent>>(ReadAll(cmd));
    }

    /// <summary>The first and last position of a workspace's events received in [<paramref name="from"/>, <paramref name="to"/>), or null when there are none.</summary>
    public Task<(long First, long Last)?> PositionsReceivedAsync(Guid workspaceId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("SELECT min(seq), max(seq) FROM all_events WHERE workspace_id = $ws AND received_at >= $from AND received_at < $to");
        EventStore.Add(cmd, "ws", workspaceId);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        using var r = cmd.ExecuteReader();
        (long, long)? range = r.Read() && !r.IsDBNull(0) ? (Convert.ToInt64(r.GetValue(0), CultureInfo.InvariantCulture), Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture)) : null;
        return Task.FromResult(range);
    }

    /// <summary>The position of a workspace's event sent with <paramref name="messageId"/>, or null.</summary>
    public Task<long?> PositionOfAsync(Guid workspaceId, string messageId, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("SELECT max(seq) FROM all_events WHERE workspace_id = $ws AND message_id = $m");
        EventStore.Add(cmd, "ws", workspaceId);
        EventStore.Add(cmd, "m", messageId);
        return Task.FromResult(cmd.ExecuteScalar() is { } v and not DBNull ? Convert.ToInt64(v, CultureInfo.InvariantCulture) : (long?)null);
    }

    private static void AppendList(StringBuilder sql, DbCommand cmd, string prefix, IReadOnlyList<object> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var name = prefix + i.ToString(CultureInfo.InvariantCulture);
            sql.Append(i == 0 ? "$" : ", $").Append(name);
            EventStore.Add(cmd, name, values[i]);
        }
    }

    private static List<LoggedEvent> ReadAll(DbCommand cmd)
    {
        using var reader = cmd.ExecuteReader();
        var list = new List<LoggedEvent>();
        while (reader.Read())
            list.Add(Map(reader));
        return list;
    }
}
