using System.Globalization;
using System.Net.Sockets;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// The event log of cluster mode: every node appends to the same PostgreSQL tables.
/// <para>
/// A group commit is one transaction: (1) the message ids go into <c>log_message_ids</c> with
/// <c>ON CONFLICT DO NOTHING</c>, and those already there (within the window) are the duplicates;
/// (2) the row of <c>log_head</c> is locked (<c>FOR UPDATE</c>) and the new records are numbered
/// after it; (3) they are sent with binary <c>COPY</c>; (4) the head is updated and a notification
/// queued; (5) commit, which returns once PostgreSQL has flushed its WAL, and only then are the
/// requests answered.
/// </para>
/// <para>
/// Because the head row stays locked until commit, transactions that take sequence numbers commit
/// in the order of their numbers: a reader that has seen number N has seen every number below it,
/// so a consumer's checkpoint "everything up to N" never skips a row of a transaction that was
/// still in flight. The price is that the numbered part of commits (COPY and WAL flush) runs one at
/// a time across the cluster; the deduplication step runs before the lock, in parallel.
/// </para>
/// </summary>
internal sealed partial class PostgresEventLog : EventLog
{
    /// <summary>The channel on which a commit announces the new head to every node.</summary>
    public const string Channel = "pulse_log";

    private const string CopyCommand = "COPY events (" + EventStore.Columns + ") FROM STDIN (FORMAT BINARY)";
    private readonly PostgresEventStore _pg;
    private readonly string _horizonSql;
    private NpgsqlConnection? _writer;
    private readonly HashSet<DateOnly> _partitions = [];
    private readonly CancellationTokenSource _stopping = new();
    private Task? _listener;

    internal PostgresEventLog(PostgresEventStore store, IOptions<CollectOptions> options, CollectMetrics metrics, TimeProvider time, ILogger<EventLog> log)
        : base(store, options.Value, metrics, time, log)
    {
        _pg = store;
        _horizonSql = HorizonSql();
    }

    private protected override async Task OpenAsync(CancellationToken ct)
    {
        await using var c = await _pg.Source.OpenConnectionAsync(ct);
        _head = await ReadHeadAsync(c, ct);
        _readable = _head;
        var today = DateOnly.FromDateTime(_time.GetUtcNow().UtcDateTime);
        LogPartitions.Ensure(c, [today, today.AddDays(1)]);
        _partitions.UnionWith([today, today.AddDays(1)]);
        LogOpened(_log, _pg.Describe, _head);
        // Commits are readable as soon as they are acknowledged: the store never lags here.
        _metrics.ObserveConsumer(StoreConsumer, () => Math.Max(0, Head - ReadableHead));
    }

    private static async Task<long> ReadHeadAsync(NpgsqlConnection c, CancellationToken ct)
    {
        await using var cmd = new NpgsqlCommand("SELECT seq FROM log_head WHERE id = 1", c);
        return await cmd.ExecuteScalarAsync(ct) is long v ? v : 0L;
    }

    /// <summary>
    /// The first consent fact of a workspace (<c>@ws</c>) after its profile partition's checkpoint and up to <c>@head</c>
    /// (the checkpoint's name as <c>ProfileBuilder.ConsumerOf</c> gives it).
    /// </summary>
    private string HorizonSql()
    {
        var partitions = _options.ProfilePartitions;
        var consumer = partitions == 1
            ? "'profiles'"
            : "'profiles/' || CAST(" + _pg.PartitionOf("@ws").Replace("$parts", partitions.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal) + " AS TEXT)";
        return "SELECT (SELECT min(seq) FROM all_events WHERE workspace_id = @ws AND seq > p.at AND seq <= @head AND " + MayChangeConsentSql + ") " +
            "FROM (SELECT coalesce((SELECT \"Seq\" FROM profile_consumer_progress WHERE \"Consumer\" = " + consumer + "), 0) AS at) p";
    }

    internal override async Task<(long Sendable, long Head)> ConsentHorizonAsync(Guid workspaceId, long applied, CancellationToken ct)
    {
        // The head first: commits are visible in number order, so every event up to it is there to be looked at.
        var head = ReadableHead;
        await using var c = await _pg.Source.OpenConnectionAsync(ct);
        await using var cmd = new NpgsqlCommand(_horizonSql, c);
        cmd.Parameters.Add(new NpgsqlParameter<Guid>("ws", workspaceId));
        cmd.Parameters.Add(new NpgsqlParameter<long>("head", head));
        return (await cmd.ExecuteScalarAsync(ct) is long first ? Math.Min(head, first - 1) : head, head);
    }

    private protected override void StartBackground() => _listener = Task.Run(() => ListenAsync(_stopping.Token));

    private protected override async Task StopBackgroundAsync()
    {
        await _stopping.CancelAsync();
        if (_listener is not null)
        {
            try
            {
                await _listener;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>
    /// Follows other nodes' commits: a LISTEN on <see cref="Channel"/> wakes consumers at once, and a
    /// read of the head every second covers notifications lost while the connection was down.
    /// </summary>
    private async Task ListenAsync(CancellationToken ct)
    {
        var failures = 0;
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var c = await _pg.Source.OpenConnectionAsync(ct);
                c.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, NumberStyles.None, CultureInfo.InvariantCulture, out var seq))
                        Advance(seq);
                };
                await using (var listen = new NpgsqlCommand("LISTEN " + Channel, c))
                    await listen.ExecuteNonQueryAsync(ct);
                failures = 0;
                while (!ct.IsCancellationRequested)
                {
                    if (!await c.WaitAsync(TimeSpan.FromSeconds(1), ct))
                        Advance(await ReadHeadAsync(c, ct));
                }
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or SocketException or TimeoutException or InvalidOperationException)
            {
                if (failures++ == 0)
                    LogListenFailed(_log, e);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 250 * failures)), ct);
            }
        }
    }

    private void Advance(long seq)
    {
        if (seq <= ReadableHead)
            return;
        RaiseHead(seq);
        PublishReadable(seq);
    }

    internal override void Prepare(LogRecord record)
    {
        // The dedup key and the COPY row are made here, on the request's thread, so the writer
        // (one per node, holding the cluster's head lock while it copies) only streams bytes.
        record.DedupHash = DedupFilter.Hash(record.SourceId, record.MessageId);
        record.CopyRow = CopyTuple.Build(record);
    }

    /// <summary>The 128-bit dedup hash of (source, message id) as the uuid that keys <c>log_message_ids</c>.</summary>
    internal static Guid DedupKey((ulong H1, ulong H2) hash)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, hash.H1);
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes[8..], hash.H2);
        return new Guid(bytes, bigEndian: true);
    }

    private readonly List<Guid> _keys = [];
    private readonly List<DateTime> _times = [];
    private readonly HashSet<Guid> _fresh = [];

    private protected override void Store(List<LogRecord> records, DateTime now)
    {
        if (records.Count == 0)
            return;
        EnsurePartitions(records);
        try
        {
            var c = _writer ??= _pg.Source.OpenConnection();
            using var tx = c.BeginTransaction();
            MarkDuplicates(c, tx, records, now);

            long head;
            using (var lockHead = new NpgsqlCommand("SELECT seq FROM log_head WHERE id = 1 FOR UPDATE", c, tx))
                head = (long)lockHead.ExecuteScalar()!;
            var first = head;
            using (var copy = c.BeginRawBinaryCopy(CopyCommand))
            {
                copy.Write(CopyTuple.Header);
                Span<byte> start = stackalloc byte[CopyTuple.StartLength];
                foreach (var r in records)
                {
                    if (r.Duplicate)
                        continue;
                    r.Seq = ++head;
                    CopyTuple.WriteStart(start, r.Seq);
                    copy.Write(start);
                    copy.Write(r.CopyRow ??= CopyTuple.Build(r));
                }
                copy.Write(CopyTuple.Trailer);
            }
            if (head > first)
            {
                using var advance = new NpgsqlCommand($"WITH h AS (UPDATE log_head SET seq = $1 WHERE id = 1 RETURNING seq) SELECT pg_notify('{Channel}', seq::text) FROM h", c, tx);
                advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
                advance.ExecuteNonQuery();
            }
            tx.Commit();
            if (head > first)
                Advance(head);
        }
        catch
        {
            // The connection may be broken (the database restarted): the next commit opens another.
            _writer?.Dispose();
            _writer = null;
            throw;
        }
    }

    /// <summary>
    /// Inserts the records' dedup keys (a 128-bit hash of source and message id, as a uuid) into the
    /// window; those that were there (received within <see cref="CollectOptions.DedupWindowDays"/>)
    /// are duplicates. A key older than the window is taken as new and its time renewed. The keys go
    /// in sorted order, so two nodes inserting overlapping batches wait for each other instead of
    /// deadlocking.
    /// </summary>
    private void MarkDuplicates(NpgsqlConnection c, NpgsqlTransaction tx, List<LogRecord> records, DateTime now)
    {
        _keys.Clear();
        _times.Clear();
        foreach (var r in records)
        {
            if (r.DedupHash == default)
                r.DedupHash = DedupFilter.Hash(r.SourceId, r.MessageId);
            _keys.Add(DedupKey(r.DedupHash));
            _times.Add(DateTime.SpecifyKind(r.ReceivedAt, DateTimeKind.Utc));
        }
        using var cmd = new NpgsqlCommand("""
            INSERT INTO log_message_ids (id, received_at)
            SELECT k, t FROM unnest($1::uuid[], $2::timestamptz[]) AS u(k, t) ORDER BY k
            ON CONFLICT (id) DO UPDATE SET received_at = excluded.received_at
                WHERE log_message_ids.received_at < $3
            RETURNING id
            """, c, tx);
        cmd.Parameters.Add(new NpgsqlParameter<List<Guid>> { TypedValue = _keys });
        cmd.Parameters.Add(new NpgsqlParameter<List<DateTime>> { TypedValue = _times });
        cmd.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = DateTime.SpecifyKind(now.AddDays(-_options.DedupWindowDays), DateTimeKind.Utc) });
        _fresh.Clear();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
                _fresh.Add(reader.GetGuid(0));
        }
        if (_fresh.Count == records.Count)
            return;
        for (var i = 0; i < records.Count; i++)
            records[i].Duplicate = !_fresh.Contains(_keys[i]);
    }

    private void EnsurePartitions(List<LogRecord> records)
    {
        List<DateOnly>? missing = null;
        foreach (var r in records)
        {
            var day = DateOnly.FromDateTime(r.ReceivedAt);
            if (!_partitions.Contains(day) && !(missing ??= []).Contains(day))
                missing.Add(day);
        }
        if (missing is null)
            return;
        using var c = _pg.Source.OpenConnection();
        LogPartitions.Ensure(c, missing);
        _partitions.UnionWith(missing);
    }

    private protected override bool IsStoreFailure(Exception e) =>
        e is NpgsqlException or InvalidOperationException or IOException or SocketException or TimeoutException;

    private protected override void CloseWriter()
    {
        _writer?.Dispose();
        _writer = null;
    }

    internal override async Task<long> EraseAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return 0L;
        await using var c = await _pg.Source.OpenConnectionAsync(ct);
        await using var cmd = c.CreateCommand();
        cmd.CommandText = _pg.Sql("DELETE FROM events WHERE " + new Events.EventFilter(workspaceId, Ids: ids).Where(cmd));
        return await cmd.ExecuteNonQueryAsync(ct);
    }

    internal override async Task<long> ImportAsync(IEnumerable<LogRecord> records, IProgress<long>? progress, CancellationToken ct)
    {
        if (_started)
            throw new InvalidOperationException("Import runs before the log starts taking events.");
        long done = 0;
        foreach (var chunk in InChunks(records, 50_000, ct))
        {
            EnsurePartitions(chunk);
            await using var c = await _pg.Source.OpenConnectionAsync(ct);
            await using var tx = await c.BeginTransactionAsync(ct);
            long head;
            await using (var lockHead = new NpgsqlCommand("SELECT seq FROM log_head WHERE id = 1 FOR UPDATE", c, tx))
                head = (long)(await lockHead.ExecuteScalarAsync(ct))!;
            await using (var copy = await c.BeginRawBinaryCopyAsync(CopyCommand, ct))
            {
                await copy.WriteAsync(CopyTuple.Header.ToArray(), ct);
                var start = new byte[CopyTuple.StartLength];
                foreach (var r in chunk)
                {
                    r.Seq = ++head;
                    CopyTuple.WriteStart(start, r.Seq);
                    await copy.WriteAsync(start, ct);
                    await copy.WriteAsync(r.CopyRow ?? CopyTuple.Build(r), ct);
                }
                await copy.WriteAsync(CopyTuple.Trailer.ToArray(), ct);
            }
            await using (var advance = new NpgsqlCommand("UPDATE log_head SET seq = $1 WHERE id = 1", c, tx))
            {
                advance.Parameters.Add(new NpgsqlParameter<long> { TypedValue = head });
                await advance.ExecuteNonQueryAsync(ct);
            }
            await tx.CommitAsync(ct);
            Interlocked.Exchange(ref _head, head);
            Interlocked.Exchange(ref _readable, head);
            done += chunk.Count;
            progress?.Report(done);
        }
        return done;
    }

    public override void Dispose()
    {
        base.Dispose();
        _stopping.Dispose();
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Information, Message = "Event log on {Store} open at sequence {Head}.")]
    private static partial void LogOpened(ILogger logger, string store, long head);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Warning, Message = "Following the log's head failed; retrying (consumers poll meanwhile).")]
    private static partial void LogListenFailed(ILogger logger, Exception e);
}
