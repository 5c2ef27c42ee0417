using System.Diagnostics;
using System.Collections.Concurrent;
using DuckDB.NET.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pulse.Collect.Log;

/// <summary>
/// The durable event log. Appends go through one writer thread that groups every request waiting
/// at that moment into one frame of an append-only segment file (group commit), synced to disk
/// before any request in it is answered. A loader thread then moves the records into DuckDB in
/// large transactions, where readers see them. Each stored event gets the next sequence number;
/// consumers read from their own checkpoint.
/// </summary>
public sealed partial class EventLog : IHostedService, IDisposable
{
    private readonly EventStore _store;
    private readonly CollectOptions _options;
    private readonly CollectMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EventLog> _log;
    // Requests waiting for the writer: a lock-free queue, and an event the writer sleeps on only
    // when it found the queue empty (so a busy writer costs producers no system call).
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly AutoResetEvent _wakeWriter = new(false);
    private int _writerIdle;
    private int _queued;
    private const int MaxQueuedRequests = 20_000;
    private volatile bool _closed;
    private readonly DedupFilter _dedup;
    private Thread? _writer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _newData = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _head;
    private long _readable;
    private volatile bool _started;
    private readonly SegmentFiles _segments;

    internal EventLog(EventStore store, IOptions<CollectOptions> options, CollectMetrics metrics, TimeProvider time, ILogger<EventLog> log)
    {
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _log = log;
        _dedup = new DedupFilter(_options.DedupWindowDays, _options.DedupExpectedPerDay);
        _segments = new SegmentFiles(System.IO.Path.GetDirectoryName(store.Path)!);
    }

    /// <summary>The consumer name under which the loader's lag (acknowledged, not yet in the store) is reported.</summary>
    public const string StoreConsumer = "store";

    /// <summary>Sequence number of the last durably stored (acknowledged) event (0 when the log is empty).</summary>
    public long Head => Interlocked.Read(ref _head);

    /// <summary>Sequence number up to which readers of the store see every event (a few milliseconds behind <see cref="Head"/>).</summary>
    public long ReadableHead => Interlocked.Read(ref _readable);

    private sealed record Pending(IReadOnlyList<LogRecord> Records, TaskCompletionSource<int> Done);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store.EnsureOpen();
        using (var c = _store.Open())
        {
            var recovered = _store.Recovered;
            _head = EventStore.ReadHead(c);
            _readable = _head;
            var remembered = RebuildDedup(c);
            LogOpened(_log, _store.Path, _head, remembered, _dedup.CapacityBytes / (1024 * 1024));
            if (recovered > 0)
                LogRecovered(_log, recovered);
        }
        // The loader is a consumer of the log like any other: its lag is how far the store is behind.
        _metrics.ObserveConsumer(StoreConsumer, () => Math.Max(0, Head - ReadableHead));
        _writer = new Thread(WriterLoop) { Name = "pulse-log-writer", IsBackground = true };
        _writer.Start();
        StartLoader();
        _started = true;
        return Task.CompletedTask;
    }

    /// <summary>Stops taking appends, commits what is queued, and waits for the writer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started)
            return;
        _closed = true;
        _wakeWriter.Set();
        await _writerDone.Task.WaitAsync(cancellationToken);
        StopLoader();
    }

    /// <summary>
    /// Stores <paramref name="records"/> durably; completes when they are on disk. Records whose
    /// message id the source already stored within the window are acknowledged and not stored
    /// again; the result is how many those were.
    /// </summary>
    internal async Task<int> AppendAsync(IReadOnlyList<LogRecord> records, CancellationToken ct)
    {
        if (!_started)
            throw new LogUnavailableException("The event log is not open.");
        if (_closed)
            throw new LogUnavailableException("The server is shutting down.");
        ct.ThrowIfCancellationRequested();
        // Requests wait for the writer in memory: past a bound (a writer that cannot keep up or is
        // waiting for the loader), new ones are answered 503 at once instead of piling up.
        if (Interlocked.Increment(ref _queued) > MaxQueuedRequests)
        {
            Interlocked.Decrement(ref _queued);
            throw new LogUnavailableException("The event log has too many requests waiting; retry shortly.");
        }
        var pending = new Pending(records, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        _queue.Enqueue(pending);
        if (Interlocked.Exchange(ref _writerIdle, 0) == 1)
            _wakeWriter.Set();
        // A request that came in as the writer stopped is failed, never left waiting.
        if (_writerDone.Task.IsCompleted)
            FailQueued(null);
        // Once queued, the request is committed or failed as a whole even if the client leaves.
        return await pending.Done.Task;
    }

    /// <summary>Completes when readers can see events after <paramref name="afterSeq"/> (at once if they already can).</summary>
    public Task WaitForAsync(long afterSeq, CancellationToken ct)
    {
        var signal = Volatile.Read(ref _newData);
        return ReadableHead > afterSeq ? Task.CompletedTask : signal.Task.WaitAsync(ct);
    }

    /// <summary>
    /// Completes when readers see every event acknowledged before the call (read-your-writes for
    /// the API), or after <paramref name="atMost"/> under a heavy backlog.
    /// </summary>
    public async Task CaughtUpAsync(TimeSpan atMost, CancellationToken ct)
    {
        var target = Head;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(atMost);
        try
        {
            while (ReadableHead < target)
                await WaitForAsync(ReadableHead, limit.Token);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            // Show what is there; the rest follows on the next read.
        }
    }


    private long RebuildDedup(DuckDBConnection c)
    {
        var since = _time.GetUtcNow().UtcDateTime.AddDays(-_options.DedupWindowDays);
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT source_id, message_id, received_at FROM all_events WHERE received_at >= $since";
        cmd.Parameters.Add(EventStore.Parameter("since", since));
        using var reader = cmd.ExecuteReader();
        long n = 0;
        while (reader.Read())
        {
            _dedup.Add(DedupFilter.Hash(reader.GetGuid(0), reader.GetString(1)), DedupFilter.DayOf(reader.GetDateTime(2)));
            n++;
        }
        return n;
    }

    private void WriterLoop()
    {
        var group = new List<Pending>();
        using var connection = _store.Open();
        try
        {
            while (true)
            {
                group.Clear();
                var events = 0;
                while (events < _options.CommitMaxEvents && _queue.TryDequeue(out var p))
                {
                    Interlocked.Decrement(ref _queued);
                    group.Add(p);
                    events += p.Records.Count;
                }
                if (group.Count > 0)
                {
                    Commit(connection, group);
                    continue;
                }
                if (_closed)
                    break;
                // Announce the sleep (a full fence, so the look below cannot move before it), then
                // look once more, so that no request is left behind.
                Interlocked.Exchange(ref _writerIdle, 1);
                if (_queue.IsEmpty && !_closed)
                    _wakeWriter.WaitOne(TimeSpan.FromMilliseconds(250));
                Volatile.Write(ref _writerIdle, 0);
            }
        }
        catch (Exception e)
        {
            LogWriterCrashed(_log, e);
            _writerDone.TrySetResult();
            // The group being committed is failed too (completing an already answered request does nothing).
            foreach (var p in group)
                p.Done.TrySetException(new LogUnavailableException("The event log writer stopped.", e));
            FailQueued(e);
        }
        finally
        {
            _writerDone.TrySetResult();
            FailQueued(null);
        }
    }

    /// <summary>Fails every queued request (the writer has stopped).</summary>
    private void FailQueued(Exception? cause)
    {
        while (_queue.TryDequeue(out var p))
        {
            Interlocked.Decrement(ref _queued);
            p.Done.TrySetException(cause is null
                ? new LogUnavailableException("The server is shutting down.")
                : new LogUnavailableException("The event log writer stopped.", cause));
        }
    }

    private readonly HashSet<(Guid, string)> _inCommit = [];
    private readonly List<LogRecord> _candidates = [];
    private readonly List<LogRecord> _frame = [];

    private void Commit(DuckDBConnection c, List<Pending> group)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow().UtcDateTime;
        var today = DedupFilter.DayOf(now);
        _inCommit.Clear();
        _candidates.Clear();
        foreach (var p in group)
        {
            foreach (var r in p.Records)
            {
                r.Duplicate = false;
                if (!_inCommit.Add((r.SourceId, r.MessageId)))
                {
                    r.Duplicate = true;
                    continue;
                }
                if (r.Packed is null)
                    r.Prepare();
                if (_dedup.MaybeContains(r.DedupHash, today))
                    _candidates.Add(r);
            }
        }

        var head = _assigned;
        _frame.Clear();
        try
        {
            if (_candidates.Count > 0)
                MarkStored(c, _candidates, now.AddDays(-_options.DedupWindowDays));
            foreach (var p in group)
            {
                foreach (var r in p.Records)
                {
                    if (r.Duplicate)
                        continue;
                    r.Seq = ++head;
                    _frame.Add(r);
                }
            }
            // Numbers once given are never given again, even if this frame fails.
            _assigned = head;
            WaitForLoaderRoom();
            _segments.Append(_frame);
        }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException or IOException or UnauthorizedAccessException or LogUnavailableException)
        {
            LogCommitFailed(_log, e, group.Count);
            var failure = e as LogUnavailableException ?? new LogUnavailableException("The event log could not store the request: " + e.Message, e);
            foreach (var p in group)
                p.Done.TrySetException(failure);
            return;
        }
        Interlocked.Exchange(ref _head, head);
        HandToLoader(_frame);

        var stored = 0;
        var duplicates = 0;
        foreach (var p in group)
        {
            var d = 0;
            foreach (var r in p.Records)
            {
                if (r.Duplicate)
                {
                    d++;
                    continue;
                }
                _dedup.Add(r.DedupHash, DedupFilter.DayOf(r.ReceivedAt));
            }
            stored += p.Records.Count - d;
            duplicates += d;
            p.Done.TrySetResult(d);
        }
        _metrics.Committed(stored, duplicates, Stopwatch.GetElapsedTime(started).TotalSeconds);
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
                cmd.CommandText = "SELECT message_id FROM all_events WHERE source_id = $source AND received_at >= $since AND message_id = ANY($ids)";
                cmd.Parameters.Add(EventStore.Parameter("source", bySource.Key));
                cmd.Parameters.Add(EventStore.Parameter("since", since));
                cmd.Parameters.Add(EventStore.Parameter("ids", ids));
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

    public void Dispose()
    {
        _closed = true;
        _loadNow.Dispose();
        _segments.Dispose();
    }

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "Recovered {Count} acknowledged events from the log's segments after an unclean stop.")]
    private static partial void LogRecovered(ILogger logger, long count);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Event log {Path} open at sequence {Head}; {Remembered} message ids of the dedup window loaded ({FilterMiB} MiB filter).")]
    private static partial void LogOpened(ILogger logger, string path, long head, long remembered, long filterMiB);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "A group commit of {Requests} request(s) failed; they were answered 503.")]
    private static partial void LogCommitFailed(ILogger logger, Exception e, int requests);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Critical, Message = "The event log writer stopped.")]
    private static partial void LogWriterCrashed(ILogger logger, Exception e);
}
