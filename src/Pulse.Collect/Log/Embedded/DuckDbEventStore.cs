using System.Buffers.Text;
using System.Data.Common;
using System.Globalization;
using System.Runtime.InteropServices;
using DuckDB.NET.Data;
using Microsoft.Extensions.Options;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// The DuckDB file that holds the event log (<c>events.duckdb</c> in the data directory). One
/// process opens it read-write; the server keeps one connection open for its lifetime so that
/// further connections share the same database instance.
/// </summary>
internal sealed class DuckDbEventStore : EventStore
{
    public const string FileName = "events.duckdb";

    private const string Schema = """
        CREATE TABLE IF NOT EXISTS events (
            seq BIGINT NOT NULL,
            workspace_id UUID NOT NULL,
            source_id UUID NOT NULL,
            message_id VARCHAR NOT NULL,
            type VARCHAR NOT NULL,
            event VARCHAR,
            user_id VARCHAR,
            anonymous_id VARCHAR,
            group_id VARCHAR,
            previous_id VARCHAR,
            ts TIMESTAMP NOT NULL,
            original_ts TIMESTAMP,
            sent_at TIMESTAMP,
            received_at TIMESTAMP NOT NULL,
            utm_source VARCHAR, utm_medium VARCHAR, utm_campaign VARCHAR, utm_term VARCHAR, utm_content VARCHAR,
            fbclid VARCHAR, ttclid VARCHAR, li_fat_id VARCHAR, gclid VARCHAR, msclkid VARCHAR,
            referrer_domain VARCHAR, referrer_type VARCHAR, referrer_name VARCHAR, page_host VARCHAR, page_path VARCHAR,
            browser VARCHAR, browser_version VARCHAR, os VARCHAR, os_version VARCHAR, device_type VARCHAR,
            is_bot BOOLEAN NOT NULL, bot_name VARCHAR, ip VARCHAR, country VARCHAR,
            consent VARCHAR, violations VARCHAR, plan_version VARCHAR,
            raw VARCHAR NOT NULL
        );
        CREATE OR REPLACE VIEW all_events AS SELECT * FROM events;
        CREATE TABLE IF NOT EXISTS log_head (id INTEGER PRIMARY KEY, seq BIGINT NOT NULL);
        CREATE TABLE IF NOT EXISTS consumer_checkpoints (consumer VARCHAR PRIMARY KEY, seq BIGINT NOT NULL, updated_at TIMESTAMP NOT NULL);
        CREATE TABLE IF NOT EXISTS set_aside (
            seq BIGINT NOT NULL, workspace_id UUID, source_id UUID, message_id VARCHAR, received_at TIMESTAMP,
            set_aside_at TIMESTAMP NOT NULL, attempts INTEGER NOT NULL, error VARCHAR NOT NULL, packed BLOB NOT NULL);
        CREATE TABLE IF NOT EXISTS pruned_message_ids (source_id UUID NOT NULL, message_id VARCHAR NOT NULL, received_at TIMESTAMP NOT NULL);
        """;

    private readonly string _connectionString;
    private readonly CollectOptions _options;
    private readonly TimeProvider _time;
    private DuckDBConnection? _anchor;
    private readonly Lock _gate = new();

    public DuckDbEventStore(DataDirectory data, IOptions<CollectOptions> options, TimeProvider? time = null)
    {
        Path = System.IO.Path.Combine(data.Path, FileName);
        _connectionString = $"Data Source={Path}";
        _options = options.Value;
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    public override string Describe => Path;

    public override string EpochMs(string column) => $"epoch_ms({column})";

    public override string JsonText(string column, string obj, string name) => $"json_extract_string({column}, '$.{obj}.{name}')";

    public override string DayText(string column) => $"strftime({column}, '%Y-%m-%d')";

    public override string PartitionOf(string column) => $"CAST(hash({column}) % CAST($parts AS UBIGINT) AS INTEGER)";

    /// <summary>Opens (creating if needed) the log file and its tables, loading what segment files hold beyond it; idempotent.</summary>
    public override void EnsureOpen()
    {
        lock (_gate)
        {
            if (_anchor is not null)
                return;
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            var anchor = new DuckDBConnection(_connectionString);
            anchor.Open();
            Execute(anchor, $"SET memory_limit = '{_options.DuckDbMemoryLimit}'");
            Execute(anchor, $"SET checkpoint_threshold = '{_options.CheckpointThreshold}'");
            Execute(anchor, $"SET threads = {_options.EffectiveDuckDbThreads.ToString(CultureInfo.InvariantCulture)}");
            Execute(anchor, Schema);
            MoveOldInbox(anchor);
            Recovered = RecoverSegments(anchor);
            _anchor = anchor;
        }
    }

    /// <summary>
    /// Data directories written before the loader appended straight to <c>events</c> may still
    /// hold rows in the narrow <c>inbox</c> table: they are moved once and the table dropped.
    /// </summary>
    /// <summary>Moves every row of the old packed <c>inbox</c> table into <c>events</c> (also the benchmark's comparison).</summary>
    internal const string InboxToEvents = """
        INSERT INTO events
        SELECT seq, s[1]::UUID, s[2]::UUID, s[3], s[4], nullif(s[5], ''), nullif(s[6], ''), nullif(s[7], ''), nullif(s[8], ''), nullif(s[9], ''),
            make_timestamp(s[10]::BIGINT), make_timestamp(nullif(s[11], '')::BIGINT), make_timestamp(nullif(s[12], '')::BIGINT), make_timestamp(s[13]::BIGINT),
            nullif(s[14], ''), nullif(s[15], ''), nullif(s[16], ''), nullif(s[17], ''), nullif(s[18], ''),
            nullif(s[19], ''), nullif(s[20], ''), nullif(s[21], ''), nullif(s[22], ''), nullif(s[23], ''),
            nullif(s[24], ''), nullif(s[25], ''), nullif(s[26], ''), nullif(s[27], ''), nullif(s[28], ''),
            nullif(s[29], ''), nullif(s[30], ''), nullif(s[31], ''), nullif(s[32], ''), nullif(s[33], ''), s[34] = '1',
            nullif(s[35], ''), nullif(s[36], ''), nullif(s[37], ''), nullif(s[38], ''), nullif(s[39], ''), nullif(s[40], ''), s[41]
        FROM (SELECT seq, string_split(decode(packed), chr(31)) AS s FROM inbox)
        """;

    private static void MoveOldInbox(DuckDBConnection c)
    {
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'inbox'";
            if (Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
                return;
        }
        using var tx = c.BeginTransaction();
        Execute(c, InboxToEvents + """
            ;
            DROP VIEW IF EXISTS inbox_events;
            DROP TABLE inbox;
            """);
        tx.Commit();
    }

    /// <summary>
    /// Appends one packed record (<see cref="LogRecord.Pack"/>) as a row of <c>events</c>, straight
    /// from its bytes: text columns are handed to DuckDB as UTF-8 without becoming strings.
    /// </summary>
    public static void AppendPacked(DuckDBAppender appender, long seq, ReadOnlySpan<byte> packed)
    {
        Span<Range> fields = stackalloc Range[LogRecord.PackedFields];
        var raw = LogRecord.Split(seq, packed, fields);
        // Everything that can be malformed is parsed before the row is begun, so a bad record
        // throws without leaving a half-built row in the appender.
        var workspace = LogRecord.IdOf(seq, packed[fields[0]]);
        var source = LogRecord.IdOf(seq, packed[fields[1]]);
        Span<DateTime> times = stackalloc DateTime[4];
        Span<bool> hasTime = stackalloc bool[4];
        for (var t = 0; t < 4; t++)
        {
            var value = packed[fields[9 + t]];
            hasTime[t] = !value.IsEmpty;
            if (hasTime[t])
                times[t] = LogRecord.TimeOf(seq, value);
        }
        var row = appender.CreateRow().AppendValue(seq).AppendValue(workspace).AppendValue(source);
        for (var field = 2; field < LogRecord.PackedFields; field++)
        {
            var value = packed[fields[field]];
            switch (field)
            {
                case >= 9 and <= 12:
                    if (hasTime[field - 9])
                        row.AppendValue(times[field - 9]);
                    else
                        row.AppendNullValue();
                    break;
                case 33:
                    row.AppendValue(value.Length == 1 && value[0] == (byte)'1');
                    break;
                default:
                    if (value.IsEmpty)
                        row.AppendNullValue();
                    else
                        row.AppendValue(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(value), value.Length));
                    break;
            }
        }
        var json = packed[raw..];
        row.AppendValue(MemoryMarshal.CreateSpan(ref MemoryMarshal.GetReference(json), json.Length)).EndRow();
    }

    /// <summary>Acknowledged records found in segment files at open (after an unclean stop) and loaded.</summary>
    public long Recovered { get; private set; }

    /// <summary>Of those, the ones the store refused and that were set aside (<see cref="SetAsideStore"/>).</summary>
    public IReadOnlyList<long> RecoveredSetAside { get; private set; } = [];

    /// <summary>
    /// Loads what the segment files hold beyond the store, which happens after an unclean stop of
    /// the server, and deletes them; every process that opens the store does this first, so the
    /// CLI reading a stopped server's data sees every acknowledged event too. If a chunk fails,
    /// the rest is loaded carefully, setting aside the records the store refuses, so that one bad
    /// record never keeps the log from opening.
    /// </summary>
    private long RecoverSegments(DuckDBConnection c)
    {
        var segments = new SegmentFiles(System.IO.Path.GetDirectoryName(Path)!);
        var head = ReadHead(c);
        long total = 0;
        var pending = 0;
        DuckDBTransaction? tx = null;
        DuckDBAppender? appender = null;
        void Commit()
        {
            appender!.Dispose();
            appender = null;
            WriteHead(c, head);
            tx!.Commit();
            tx.Dispose();
            tx = null;
            total += pending;
            pending = 0;
        }
        var fast = head;
        try
        {
            segments.RecoverInto(head, (seq, packed) =>
            {
                // Files are read in order and frames never overlap; anything at or below the head is stored.
                if (seq <= fast)
                    return;
                tx ??= c.BeginTransaction();
                appender ??= c.CreateAppender("events");
                AppendPacked(appender, seq, packed);
                fast = seq;
                pending++;
                if (pending == RecoveryChunk)
                {
                    head = fast;
                    Commit();
                }
            });
            if (tx is not null)
            {
                head = fast;
                Commit();
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            RollBack(ref appender, ref tx);
            pending = 0;
            total += RecoverCarefully(c, segments, ref head);
        }
        finally
        {
            RollBack(ref appender, ref tx);
        }
        segments.DeleteAll();
        segments.Dispose();
        return total;
    }

    private static void RollBack(ref DuckDBAppender? appender, ref DuckDBTransaction? tx)
    {
        try
        {
            appender?.Dispose();
        }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException)
        {
            // The failed chunk's rows go with the rollback.
        }
        appender = null;
        tx?.Dispose();
        tx = null;
    }

    /// <summary>Loads what is above <paramref name="head"/> slice by slice (<see cref="SetAsideStore.LoadCarefully"/>); returns how many were loaded or set aside.</summary>
    private long RecoverCarefully(DuckDBConnection c, SegmentFiles segments, ref long head)
    {
        var start = head;
        var last = head;
        var batch = new List<PackedRecord>(SetAsideStore.CarefulChunk);
        var setAside = new List<long>();
        var now = _time.GetUtcNow().UtcDateTime;
        long count = 0;
        void Flush()
        {
            SetAsideStore.LoadCarefully(c, batch, now, seq => last = seq, (r, _) => setAside.Add(r.Seq));
            count += batch.Count;
            batch.Clear();
        }
        segments.RecoverInto(start, (seq, packed) =>
        {
            if (seq <= start)
                return;
            batch.Add(new PackedRecord(seq, packed.ToArray()));
            if (batch.Count == SetAsideStore.CarefulChunk)
                Flush();
        });
        Flush();
        RecoveredSetAside = setAside;
        head = last;
        return count;
    }

    private const int RecoveryChunk = 131_072;

    /// <summary>The last sequence number given: the recorded head, or the newest stored event if that is newer.</summary>
    public static long ReadHead(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT greatest((SELECT coalesce(max(seq), 0) FROM log_head), (SELECT coalesce(max(seq), 0) FROM events))";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Records <paramref name="seq"/> as the log's head (inside the caller's transaction); it survives an erasure of the newest events, so sequence numbers are never reused.</summary>
    public static void WriteHead(DuckDBConnection c, long seq)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "INSERT OR REPLACE INTO log_head VALUES (1, $seq)";
        EventStore.Add(cmd, "seq", seq);
        cmd.ExecuteNonQuery();
    }

    /// <summary>A new connection to the log (the caller disposes it).</summary>
    public override DuckDBConnection Open()
    {
        EnsureOpen();
        var c = new DuckDBConnection(_connectionString);
        c.Open();
        return c;
    }

    public override void Dispose()
    {
        lock (_gate)
        {
            _anchor?.Dispose();
            _anchor = null;
        }
    }
}
