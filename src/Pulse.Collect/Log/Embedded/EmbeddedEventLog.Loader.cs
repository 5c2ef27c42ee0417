using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Threading;

namespace Pulse.Collect.Log;

internal sealed partial class EmbeddedEventLog
{
    // The loader reads acknowledged frames back from the segment files (the page cache holds them)
    // and appends their records straight into DuckDB's "events" table in large transactions (a
    // row group and more go to the file compressed, past DuckDB's WAL), then advances the readable
    // head and deletes segments whose records are all in the store. Nothing of a request is kept
    // in memory for it but the message-id hashes the writer's duplicate check needs. If it falls far
    // behind, the writer waits for it, so the segment files stay bounded and acknowledgements slow
    // down instead.
    private const int LoadChunk = 131_072;
    private static readonly TimeSpan RollEvery = TimeSpan.FromSeconds(2);

    private readonly object _loadGate = new();

    /// <summary>Dedup hashes of records acknowledged but not yet in the store, by frame (last sequence number of each).</summary>
    private readonly Queue<(long LastSeq, (ulong, ulong)[] Hashes)> _unloadedFrames = new();
    private readonly HashSet<(ulong, ulong)> _unloaded = [];
    private readonly AutoResetEvent _loadNow = new(false);
    private Thread? _loader;
    private volatile bool _loaderStopping;
    private long _assigned;

    // Held while the loader commits and while an erasure deletes, so the two never interleave.
    private readonly Lock _moveGate = new();

    private void StartLoader()
    {
        _assigned = _head;
        _loader = new Thread(LoaderLoop) { Name = "pulse-log-loader", IsBackground = true };
        _loader.Start();
    }

    private void StopLoader()
    {
        _loaderStopping = true;
        _loaderStop.Set();
        _loadNow.Set();
        _loader?.Join(TimeSpan.FromSeconds(60));
        _segments.Roll();
        _segments.DeleteLoaded(ReadableHead);
        _segments.Dispose();
    }

    /// <summary>Called by the writer after a frame is on disk and before its requests are answered.</summary>
    private void HandToLoader(List<LogRecord> frame)
    {
        if (frame.Count == 0)
            return;
        var hashes = new (ulong, ulong)[frame.Count];
        for (var i = 0; i < frame.Count; i++)
            hashes[i] = frame[i].DedupHash;
        lock (_loadGate)
        {
            _unloadedFrames.Enqueue((frame[^1].Seq, hashes));
            foreach (var h in hashes)
                _unloaded.Add(h);
        }
        _loadNow.Set();
    }

    /// <summary>How long the writer waits for the loader to make room before it answers 503.</summary>
    private static readonly TimeSpan LoaderRoomWait = TimeSpan.FromSeconds(20);

    /// <summary>Waits while the segment files hold too many unloaded events; throws if the loader makes no room in time (it may be failing) or the log closes.</summary>
    private void WaitForLoaderRoom()
    {
        var started = _time.GetTimestamp();
        lock (_loadGate)
        {
            while (_assigned - ReadableHead > _options.MaxUnloadedEvents)
            {
                if (_closed || _loaderStopping)
                    throw new LogUnavailableException("The server is shutting down.");
                if (_time.GetElapsedTime(started) >= LoaderRoomWait)
                    throw new LogUnavailableException($"The event store is {_assigned - ReadableHead} events behind the log; retry shortly.");
                Monitor.Wait(_loadGate, 100);
            }
        }
    }

    /// <summary>Longest pause between loader rounds that keep failing.</summary>
    private static readonly TimeSpan MaxLoaderBackoff = TimeSpan.FromSeconds(30);

    private readonly ManualResetEventSlim _loaderStop = new(false);

    /// <summary>Tests only: runs at the start of every loader round, inside its error handling.</summary>
    internal Action? LoaderRoundHook { get; set; }

    /// <summary>Tests only: the store refuses the records at the sequence numbers this says (loading or replaying them throws).</summary>
    internal Predicate<long>? RefuseLoadHook { get; set; }

    private void LoaderLoop()
    {
        // Requests come first; under a burst the records wait safely in the segment files.
        BackgroundPriority.LowerCurrentThread();
        DuckDBConnection? c = null;
        var lastRoll = _time.GetTimestamp();
        var cursor = new SegmentFiles.Cursor(0, 0);
        var failures = 0;
        var backoff = TimeSpan.FromSeconds(1);
        try
        {
            while (true)
            {
                try
                {
                    _loadNow.WaitOne(TimeSpan.FromMilliseconds(200));
                }
                catch (ObjectDisposedException)
                {
                    break; // disposed after a stop that gave up waiting: what is left stays in the segments
                }
                var stopping = _loaderStopping && _writerDone.Task.IsCompleted;
                try
                {
                    c ??= _duck.Open();
                    LoaderRoundHook?.Invoke();
                    while (Head > ReadableHead)
                    {
                        // A batch that failed twice in a row is loaded by halves, so that one record
                        // the store refuses is set aside instead of blocking everything after it.
                        var loaded = failures >= 2 ? LoadCarefully(c, ref cursor) : Load(c, ref cursor);
                        failures = 0;
                        if (loaded == 0)
                            break;
                    }
                    if (_time.GetElapsedTime(lastRoll) >= RollEvery)
                    {
                        _segments.Roll();
                        lastRoll = _time.GetTimestamp();
                    }
                    _segments.DeleteLoaded(ReadableHead);
                    backoff = TimeSpan.FromSeconds(1);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // Whatever failed, the records stay safe in their segments and the next round
                    // reads them again; the thread itself never ends on an error.
                    failures++;
                    LogLoadFailed(_log, e, Head - ReadableHead, failures, backoff.TotalSeconds);
                    if (stopping)
                        break; // the next open loads what is left
                    _loaderStop.Wait(backoff);
                    backoff = TimeSpan.FromTicks(Math.Min(MaxLoaderBackoff.Ticks, backoff.Ticks * 2));
                    continue;
                }
                if (stopping && Head == ReadableHead)
                    break;
            }
        }
        finally
        {
            c?.Dispose();
        }
    }

    /// <summary>Loads up to <see cref="LoadChunk"/> records after the cursor in one transaction; returns how many.</summary>
    private int Load(DuckDBConnection c, ref SegmentFiles.Cursor cursor)
    {
        var from = cursor;
        var last = ReadableHead;
        int count;
        try
        {
            lock (_moveGate)
            {
                using var tx = c.BeginTransaction();
                using (var appender = c.CreateAppender("events"))
                {
                    var after = last;
                    var refuse = RefuseLoadHook;
                    count = _segments.ReadNext(ref cursor, LoadChunk, (seq, packed) =>
                    {
                        // Records already loaded come again only after a failed round; skip them.
                        if (seq <= after)
                            return;
                        SetAsideStore.Refuse(refuse, seq);
                        DuckDbEventStore.AppendPacked(appender, seq, packed);
                        last = seq;
                    });
                }
                if (last == ReadableHead)
                {
                    tx.Rollback();
                    return count;
                }
                DuckDbEventStore.WriteHead(c, last);
                tx.Commit();
            }
        }
        catch
        {
            // Read again from where this round began.
            cursor = from;
            throw;
        }
        Advanced(last);
        return count;
    }

    /// <summary>
    /// After a batch failed twice: reads the next frames (up to <see cref="SetAsideStore.CarefulChunk"/>
    /// records) into memory and loads them by halves, setting aside a record the store refuses.
    /// </summary>
    private int LoadCarefully(DuckDBConnection c, ref SegmentFiles.Cursor cursor)
    {
        var from = cursor;
        var after = ReadableHead;
        var batch = new List<PackedRecord>();
        try
        {
            var count = _segments.ReadNext(ref cursor, SetAsideStore.CarefulChunk, (seq, packed) =>
            {
                if (seq > after)
                    batch.Add(new PackedRecord(seq, packed.ToArray()));
            });
            if (batch.Count == 0)
                return count;
            var now = _time.GetUtcNow().UtcDateTime;
            lock (_moveGate)
                SetAsideStore.LoadCarefully(c, batch, now, Advanced, SetAside, RefuseLoadHook);
            return count;
        }
        catch
        {
            cursor = from;
            throw;
        }
    }

    /// <summary>The store holds every record up to <paramref name="last"/>: readers may see them, the writer may go on.</summary>
    private void Advanced(long last)
    {
        lock (_loadGate)
        {
            while (_unloadedFrames.TryPeek(out var f) && f.LastSeq <= last)
            {
                _unloadedFrames.Dequeue();
                foreach (var h in f.Hashes)
                    _unloaded.Remove(h);
            }
            Interlocked.Exchange(ref _readable, last);
            Monitor.PulseAll(_loadGate);
        }
        PublishReadable(last);
    }

    [LoggerMessage(EventId = 2007, Level = LogLevel.Error, Message = "Loading {Count} acknowledged events into the store failed ({Failures} time(s) in a row); they stay in the segment files and are retried in {BackoffSeconds} s, by halves from the second failure on.")]
    private static partial void LogLoadFailed(ILogger logger, Exception e, long count, int failures, double backoffSeconds);
}
