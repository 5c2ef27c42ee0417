using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pulse.Collect.Log;

/// <summary>
/// The event log of the embedded mode. The writer puts each group commit as one frame in an
/// append-only segment file, synced to disk before any request in it is answered; a loader thread
/// then moves the records into DuckDB in large transactions, where readers see them.
/// </summary>
internal sealed partial class EmbeddedEventLog : EventLog
{
    private readonly DuckDbEventStore _duck;
    private readonly DedupFilter _dedup;
    private readonly SegmentFiles _segments;
    private readonly RecentEvents _recent;
    private readonly ConsentBarriers _barriers = new();
    private DuckDBConnection? _writerConnection;

    internal EmbeddedEventLog(DuckDbEventStore store, IOptions<CollectOptions> options, CollectMetrics metrics, TimeProvider time, ILogger<EventLog> log)
        : base(store, options.Value, metrics, time, log)
    {
        _duck = store;
        _dedup = new DedupFilter(_options.DedupWindowDays, _options.DedupExpectedPerDay);
        _segments = new SegmentFiles(System.IO.Path.GetDirectoryName(store.Path)!);
        _recent = new RecentEvents(_options.RecentEventsMiB * 1024L * 1024L);
    }

    private protected override Task OpenAsync(CancellationToken ct)
    {
        _duck.EnsureOpen();
        using (var c = _duck.Open())
        {
            var recovered = _duck.Recovered;
            _head = DuckDbEventStore.ReadHead(c);
            _readable = _head;
            _recent.Reset(_head);
            var remembered = RebuildDedup(c);
            RebuildBarriers(c);
            LogOpened(_log, _duck.Path, _head, remembered, _dedup.CapacityBytes / (1024 * 1024));
            if (recovered > 0)
                LogRecovered(_log, recovered);
            if (_duck.RecoveredSetAside.Count > 0)
            {
                LogRecoveredSetAside(_log, _duck.RecoveredSetAside.Count);
                _metrics.SetAside(_duck.RecoveredSetAside.Count);
            }
        }
        // The loader is a consumer of the log like any other: its lag is how far the store is behind.
        _metrics.ObserveConsumer(StoreConsumer, () => Math.Max(0, Head - ReadableHead));
        return Task.CompletedTask;
    }

    private protected override void StartBackground() => StartLoader();

    private protected override Task StopBackgroundAsync()
    {
        StopLoader();
        return Task.CompletedTask;
    }

    internal override void Prepare(LogRecord record) => record.Prepare();

    private long RebuildDedup(DuckDBConnection c)
    {
        var since = _time.GetUtcNow().UtcDateTime.AddDays(-_options.DedupWindowDays);
        using var cmd = c.CreateCommand();
        // Pruned events inside the window are remembered too, so a client's retry is still a duplicate.
        cmd.CommandText = """
            SELECT source_id, message_id, received_at FROM all_events WHERE received_at >= $since
            UNION ALL SELECT source_id, message_id, received_at FROM pruned_message_ids WHERE received_at >= $since
            """;
        EventStore.Add(cmd, "since", since);
        using var reader = cmd.ExecuteReader();
        long n = 0;
        while (reader.Read())
        {
            _dedup.Add(DedupFilter.Hash(reader.GetGuid(0), reader.GetString(1)), DedupFilter.DayOf(reader.GetDateTime(2)));
            n++;
        }
        return n;
    }

    /// <summary>
    /// The barriers the profile builder had not applied when the server stopped, from the store (the
    /// builder's mirrored checkpoint is at most its real one, so nothing is missed; what it already
    /// applied is dropped at its first batch).
    /// </summary>
    private void RebuildBarriers(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT workspace_id, seq, type, consent, previous_id, user_id, anonymous_id FROM all_events " +
            "WHERE seq > coalesce((SELECT seq FROM consumer_checkpoints WHERE consumer = 'profiles'), 0) AND " + MayChangeConsentSql + " ORDER BY seq";
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            _barriers.NoteStored(r.GetGuid(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : r.GetString(3), r.IsDBNull(4) ? null : r.GetString(4),
                r.IsDBNull(5) ? null : r.GetString(5), r.IsDBNull(6) ? null : r.GetString(6));
        }
    }

    internal override Task<(long Sendable, long Head)> ConsentHorizonAsync(Guid workspaceId, long applied, CancellationToken ct)
    {
        // The head first: every barrier up to it is noted already (the writer notes them before raising it).
        var head = Head;
        return Task.FromResult((_barriers.FirstAfter(workspaceId, applied) is { } first ? Math.Min(head, first - 1) : head, head));
    }

    internal override void ConsentApplied(long position) => _barriers.Passed(position);

    private readonly List<LogRecord> _candidates = [];
    private readonly List<LogRecord> _frame = [];

    private protected override void Store(List<LogRecord> records, DateTime now)
    {
        var today = DedupFilter.DayOf(now);
        _candidates.Clear();
        foreach (var r in records)
        {
            if (r.Packed is null)
                r.Prepare();
            if (_dedup.MaybeContains(r.DedupHash, today))
                _candidates.Add(r);
        }

        var c = _writerConnection ??= _duck.Open();
        if (_candidates.Count > 0)
            MarkStored(c, _candidates, now.AddDays(-_options.DedupWindowDays));
        var head = _assigned;
        _frame.Clear();
        foreach (var r in records)
        {
            if (r.Duplicate)
                continue;
            r.Seq = ++head;
            _frame.Add(r);
        }
        // Numbers once given are never given again, even if this frame fails.
        _assigned = head;
        WaitForLoaderRoom();
        _segments.Append(_frame);
        // Before anything of the frame is readable: a reader must never see an event without the consent facts before it.
        _barriers.Note(_frame);
        Interlocked.Exchange(ref _head, head);
        HandToLoader(_frame);
        foreach (var r in _frame)
            _dedup.Add(r.DedupHash, DedupFilter.DayOf(r.ReceivedAt));
        if (_recent.Enabled && _frame.Count > 0)
        {
            _recent.Add(_frame);
            PublishCommitted();
        }
    }

    private protected override (IReadOnlyList<LoggedEvent> Events, long Head)? ReadRecent(
        Guid workspaceId, IReadOnlyList<Guid> sources, IReadOnlyList<string>? names, long afterSeq, long upTo) =>
        _recent.Enabled ? _recent.Read(workspaceId, sources, names, afterSeq, upTo) : null;

    private protected override (IReadOnlyList<LoggedEvent> Events, long Head)? ReadRecentAll(long afterSeq, int max) =>
        _recent.Enabled && _recent.ReadAll(afterSeq, max) is { } recent ? recent : null;

    private protected override long DeliverableAfter(long afterSeq) =>
        _recent.Enabled && afterSeq >= _recent.From ? _recent.To : ReadableHead;

    private protected override bool IsStoreFailure(Exception e) =>
        e is DuckDBException or InvalidOperationException or IOException or UnauthorizedAccessException;

    private protected override void CloseWriter()
    {
        _writerConnection?.Dispose();
        _writerConnection = null;
    }

    /// <summary>The exact check behind the filter's "maybe": marks records whose id the log holds (loaded or still on its way to the store).</summary>
    private void MarkStored(DuckDBConnection c, List<LogRecord> candidates, DateTime since)
    {
        lock (_loadGate)
        {
            foreach (var r in candidates)
            {
                if (_unloaded.Contains(r.DedupHash))
                    r.Duplicate = true;
            }
        }
        foreach (var bySource in candidates.Where(r => !r.Duplicate).GroupBy(r => r.SourceId))
        {
            var ids = bySource.Select(r => r.MessageId).Distinct().ToList();
            var found = new HashSet<string>(StringComparer.Ordinal);
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = """
                    SELECT message_id FROM all_events WHERE source_id = $source AND received_at >= $since AND message_id = ANY($ids)
                    UNION ALL SELECT message_id FROM pruned_message_ids WHERE source_id = $source AND received_at >= $since AND message_id = ANY($ids)
                    """;
                EventStore.Add(cmd, "source", bySource.Key);
                EventStore.Add(cmd, "since", since);
                EventStore.Add(cmd, "ids", ids);
                using var reader = cmd.ExecuteReader();
                while (reader.Read())
                    found.Add(reader.GetString(0));
            }
            foreach (var r in bySource)
            {
                if (found.Contains(r.MessageId))
                    r.Duplicate = true;
            }
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        _loadNow.Dispose();
        _loaderStop.Dispose();
        _segments.Dispose();
    }

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Recovered {Count} acknowledged events from the log's segments after an unclean stop.")]
    private static partial void LogRecovered(ILogger logger, long count);

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Event log {Path} open at sequence {Head}; {Remembered} message ids of the dedup window loaded ({FilterMiB} MiB filter).")]
    private static partial void LogOpened(ILogger logger, string path, long head, long remembered, long filterMiB);
}
