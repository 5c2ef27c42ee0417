using System.Buffers.Text;
using System.Globalization;
using DuckDB.NET.Data;

namespace Pulse.Collect.Log;

/// <summary>
/// Loading records one slice at a time when a whole batch failed, and the <c>set_aside</c> table
/// where a record the store refuses again and again is kept (with its packed bytes and the error)
/// instead of blocking every record after it. A record is set aside in the same transaction that
/// moves the log's head past it, so it is either loaded, set aside, or still in the segments.
/// </summary>
internal static class SetAsideStore
{
    /// <summary>Most records read into memory for one careful pass (whole frames, so a pass may hold one frame more).</summary>
    public const int CarefulChunk = 8192;

    /// <summary>
    /// Loads <paramref name="records"/> (in sequence order) by halves: a slice that fails is split
    /// until the one record that fails is alone; that one is tried once more and, if the store
    /// takes a plain write meanwhile (so the fault is the record's, not the store's), set aside.
    /// <paramref name="committed"/> is called with the last sequence number after each commit.
    /// Throws when the store itself refuses writes; what was committed before stays.
    /// </summary>
    public static void LoadCarefully(DuckDBConnection c, IReadOnlyList<PackedRecord> records, DateTime now,
        Action<long> committed, Action<PackedRecord, string> setAside, Predicate<long>? refuse = null)
    {
        if (records.Count > 0)
            Slice(0, records.Count);

        void Slice(int from, int to)
        {
            if (TryAppend(c, records, from, to, refuse, out var error))
            {
                committed(records[to - 1].Seq);
                return;
            }
            if (to - from > 1)
            {
                var mid = from + (to - from) / 2;
                Slice(from, mid);
                Slice(mid, to);
                return;
            }
            if (TryAppend(c, records, from, to, refuse, out error))
            {
                committed(records[from].Seq);
                return;
            }
            // A well-formed record must load where this one does not, or the fault is the store's
            // (memory, disk …), not the record's: then nothing is set aside and the caller backs off.
            if (TryLoad(c, 0, Probe, refuse) is { } probeError)
                throw new InvalidOperationException("The store refuses a well-formed record too: " + probeError);
            var record = records[from];
            using (var tx = c.BeginTransaction())
            {
                Insert(c, record, error, attempts: 2, now);
                DuckDbEventStore.WriteHead(c, record.Seq);
                tx.Commit();
            }
            committed(record.Seq);
            setAside(record, error);
        }
    }

    /// <summary>A well-formed record, appended (and rolled back) to tell a record's fault from the store's.</summary>
    private static readonly byte[] Probe = new LogRecord
    {
        MessageId = "probe",
        Type = "track",
        Timestamp = DateTime.UnixEpoch,
        ReceivedAt = DateTime.UnixEpoch,
        Enrichment = new EventEnrichment(),
        Raw = "{}"u8.ToArray(),
    }.Pack();

    /// <summary>Appends records [<paramref name="from"/>, <paramref name="to"/>) and the head in one transaction; false (rolled back) with the error if anything failed.</summary>
    private static bool TryAppend(DuckDBConnection c, IReadOnlyList<PackedRecord> records, int from, int to, Predicate<long>? refuse, out string error)
    {
        var tx = c.BeginTransaction();
        try
        {
            using (var appender = c.CreateAppender("events"))
            {
                for (var i = from; i < to; i++)
                {
                    Refuse(refuse, records[i].Seq);
                    DuckDbEventStore.AppendPacked(appender, records[i].Seq, records[i].Packed);
                }
            }
            DuckDbEventStore.WriteHead(c, records[to - 1].Seq);
            tx.Commit();
            error = "";
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            error = e.GetType().Name + ": " + e.Message;
            try
            {
                tx.Rollback();
            }
            catch (Exception rollback) when (rollback is DuckDBException or InvalidOperationException)
            {
                // Already rolled back by the failure.
            }
            return false;
        }
        finally
        {
            tx.Dispose();
        }
    }

    /// <summary>Whether loading <paramref name="packed"/> would succeed now: appended in a transaction that is rolled back; null on success, else the error.</summary>
    public static string? TryLoad(DuckDBConnection c, long seq, byte[] packed, Predicate<long>? refuse = null)
    {
        using var tx = c.BeginTransaction();
        try
        {
            Refuse(refuse, seq);
            using (var appender = c.CreateAppender("events"))
                DuckDbEventStore.AppendPacked(appender, seq, packed);
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return e.GetType().Name + ": " + e.Message;
        }
        finally
        {
            try
            {
                tx.Rollback();
            }
            catch (Exception rollback) when (rollback is DuckDBException or InvalidOperationException)
            {
                // A failed append already ended it.
            }
        }
    }

    /// <summary>Tests only: a record the test says the store refuses fails as a malformed one would.</summary>
    public static void Refuse(Predicate<long>? refuse, long seq)
    {
        if (refuse is not null && refuse(seq))
            throw new InvalidDataException($"The record at sequence {seq} is refused (test fault).");
    }

    private static void Insert(DuckDBConnection c, PackedRecord record, string error, int attempts, DateTime now)
    {
        var (workspace, source, messageId, receivedAt) = Describe(record.Packed);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT INTO set_aside VALUES ($seq, $ws, $source, $mid, $received, $now, $attempts, $error, $packed)";
        EventStore.Add(cmd, "seq", record.Seq);
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "source", source);
        EventStore.Add(cmd, "mid", messageId);
        EventStore.Add(cmd, "received", receivedAt);
        EventStore.Add(cmd, "now", now);
        EventStore.Add(cmd, "attempts", attempts);
        EventStore.Add(cmd, "error", error.Length > 2000 ? error[..2000] : error);
        EventStore.Add(cmd, "packed", record.Packed);
        cmd.ExecuteNonQuery();
    }

    /// <summary>What can be read of a record that may be malformed: each field on its own, null where it is not there or not valid.</summary>
    public static (Guid? Workspace, Guid? Source, string? MessageId, DateTime? ReceivedAt) Describe(ReadOnlySpan<byte> packed)
    {
        Span<Range> fields = stackalloc Range[LogRecord.PackedFields];
        var found = 0;
        var offset = 0;
        while (found < LogRecord.PackedFields)
        {
            var end = packed[offset..].IndexOf(LogRecord.Separator);
            if (end < 0)
                break;
            fields[found++] = new Range(offset, offset + end);
            offset += end + 1;
        }
        var ws = found > 0 ? IdOf(packed[fields[0]]) : null;
        var source = found > 1 ? IdOf(packed[fields[1]]) : null;
        string? messageId = null;
        if (found > 2)
        {
            try
            {
                messageId = new System.Text.UTF8Encoding(false, true).GetString(packed[fields[2]]);
            }
            catch (ArgumentException)
            {
                // Not valid UTF-8: left out.
            }
        }
        DateTime? received = null;
        if (found > 12 && Utf8Parser.TryParse(packed[fields[12]], out long micros, out _) && micros >= 0 && micros < 253_402_300_800_000_000L)
            received = new DateTime(DateTime.UnixEpoch.Ticks + micros * 10, DateTimeKind.Utc);
        return (ws, source, messageId, received);
    }

    private static Guid? IdOf(ReadOnlySpan<byte> value) =>
        Utf8Parser.TryParse(value, out Guid id, out var n, 'D') && n == value.Length ? id : null;

    /// <summary>The set-aside events of a workspace, oldest first (every workspace's, and those whose workspace cannot be read, when null).</summary>
    public static List<SetAsideDto> List(DuckDBConnection c, Guid? workspaceId, int limit)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT seq, source_id, message_id, received_at, set_aside_at, attempts, error FROM set_aside"
            + (workspaceId is null ? "" : " WHERE workspace_id = $ws") + " ORDER BY seq LIMIT $limit";
        if (workspaceId is not null)
            EventStore.Add(cmd, "ws", workspaceId.Value);
        EventStore.Add(cmd, "limit", limit);
        using var r = cmd.ExecuteReader();
        var rows = new List<SetAsideDto>();
        while (r.Read())
        {
            rows.Add(new SetAsideDto(r.GetInt64(0), r.IsDBNull(1) ? null : r.GetGuid(1), r.IsDBNull(2) ? null : r.GetString(2),
                r.IsDBNull(3) ? null : DateTime.SpecifyKind(r.GetDateTime(3), DateTimeKind.Utc), DateTime.SpecifyKind(r.GetDateTime(4), DateTimeKind.Utc),
                r.GetInt32(5), r.GetString(6)));
        }
        return rows;
    }

    /// <summary>How many events are set aside per workspace (those whose workspace cannot be read are left out).</summary>
    public static Dictionary<Guid, long> CountByWorkspace(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT workspace_id, count(*) FROM set_aside WHERE workspace_id IS NOT NULL GROUP BY 1";
        using var r = cmd.ExecuteReader();
        var counts = new Dictionary<Guid, long>();
        while (r.Read())
            counts[r.GetGuid(0)] = Convert.ToInt64(r.GetValue(1), CultureInfo.InvariantCulture);
        return counts;
    }

    /// <summary>The packed bytes of a workspace's set-aside events (one when <paramref name="seq"/> is given), oldest first.</summary>
    public static List<PackedRecord> Packed(DuckDBConnection c, Guid workspaceId, long? seq)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT seq, packed FROM set_aside WHERE workspace_id = $ws" + (seq is null ? "" : " AND seq = $seq") + " ORDER BY seq";
        EventStore.Add(cmd, "ws", workspaceId);
        if (seq is not null)
            EventStore.Add(cmd, "seq", seq.Value);
        using var r = cmd.ExecuteReader();
        var rows = new List<PackedRecord>();
        while (r.Read())
            rows.Add(new PackedRecord(r.GetInt64(0), BytesOf(r.GetValue(1))));
        return rows;
    }

    /// <summary>
    /// Deletes the workspace's set-aside events sent with one of <paramref name="ids"/> (as user,
    /// anonymous or previous id); one that cannot be read that far goes if it holds any of the ids
    /// at all, so an erasure never leaves a copy behind. Returns how many.
    /// </summary>
    public static long Erase(DuckDBConnection c, Guid workspaceId, IReadOnlyList<string> ids)
    {
        var wanted = new HashSet<string>(ids, StringComparer.Ordinal);
        long removed = 0;
        foreach (var row in Packed(c, workspaceId, null))
        {
            bool match;
            try
            {
                match = LogRecord.PackedIds(row.Seq, row.Packed).Exists(wanted.Contains);
            }
            catch (InvalidDataException)
            {
                match = ids.Any(id => row.Packed.AsSpan().IndexOf(System.Text.Encoding.UTF8.GetBytes(id)) >= 0);
            }
            if (match)
            {
                Delete(c, row.Seq);
                removed++;
            }
        }
        return removed;
    }

    public static void Delete(DuckDBConnection c, long seq)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "DELETE FROM set_aside WHERE seq = $seq";
        EventStore.Add(cmd, "seq", seq);
        cmd.ExecuteNonQuery();
    }

    private static byte[] BytesOf(object value)
    {
        if (value is byte[] bytes)
            return bytes;
        using var stream = (Stream)value;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public static void Failed(DuckDBConnection c, long seq, string error)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "UPDATE set_aside SET attempts = attempts + 1, error = $error WHERE seq = $seq";
        EventStore.Add(cmd, "seq", seq);
        EventStore.Add(cmd, "error", error.Length > 2000 ? error[..2000] : error);
        cmd.ExecuteNonQuery();
    }
}
