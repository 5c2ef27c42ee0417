using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace Pulse.Collect.Log;

public sealed partial class EventLog
{
    // The loader moves acknowledged records from memory into DuckDB's inbox in large transactions
    // (their copy in the segment files keeps them safe until then), advances the readable head,
    // and deletes segments whose records are all in the store. If it falls far behind, the writer
    // waits for it, so memory stays bounded and acknowledgements slow down instead.
    private const int LoadChunk = 131_072;
    private const int MaxUnloaded = 50_000;
    private static readonly TimeSpan RollEvery = TimeSpan.FromSeconds(2);

    private readonly object _loadGate = new();
    private List<Loadable> _toLoad = [];

    /// <summary>What the loader needs of an acknowledged record (the request's parsed copy can go).</summary>
    private readonly record struct Loadable(long Seq, byte[] Packed, Guid SourceId, string MessageId);
    private readonly HashSet<(Guid, string)> _unloaded = [];
    private readonly AutoResetEvent _loadNow = new(false);
    private Thread? _loader;
    private volatile bool _loaderStopping;
    private long _assigned;

    private void StartLoader()
    {
        _assigned = _head;
        _loader = new Thread(LoaderLoop) { Name = "pulse-log-loader", IsBackground = true };
        _loader.Start();
    }

    private void StopLoader()
    {
        _loaderStopping = true;
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
        lock (_loadGate)
        {
            foreach (var r in frame)
            {
                _toLoad.Add(new Loadable(r.Seq, r.Packed!, r.SourceId, r.MessageId));
                _unloaded.Add((r.SourceId, r.MessageId));
            }
        }
        _loadNow.Set();
    }

    private void WaitForLoaderRoom()
    {
        lock (_loadGate)
        {
            while (_toLoad.Count > MaxUnloaded && !_loaderStopping)
                Monitor.Wait(_loadGate, 100);
        }
    }

    private void LoaderLoop()
    {
        using var c = _store.Open();
        var lastRoll = _time.GetTimestamp();
        while (true)
        {
            _loadNow.WaitOne(TimeSpan.FromMilliseconds(200));
            List<Loadable> batch;
            lock (_loadGate)
            {
                batch = _toLoad;
                _toLoad = [];
            }
            if (batch.Count == 0)
            {
                if (_loaderStopping && _writerDone.Task.IsCompleted)
                    break;
                continue;
            }
            try
            {
                for (var i = 0; i < batch.Count; i += LoadChunk)
                    Load(c, batch, i, Math.Min(LoadChunk, batch.Count - i));
            }
            catch (Exception e) when (e is DuckDBException or InvalidOperationException or IOException)
            {
                // The records stay safe in their segments; put them back and try again shortly.
                LogLoadFailed(_log, e, batch.Count);
                lock (_loadGate)
                {
                    batch.AddRange(_toLoad);
                    _toLoad = batch;
                }
                Thread.Sleep(1000);
                continue;
            }
            if (_time.GetElapsedTime(lastRoll) >= RollEvery)
            {
                _segments.Roll();
                lastRoll = _time.GetTimestamp();
            }
            _segments.DeleteLoaded(ReadableHead);
        }
    }

    private void Load(DuckDBConnection c, List<Loadable> batch, int start, int count)
    {
        var last = batch[start + count - 1].Seq;
        AppendToInbox(c, batch.Skip(start).Take(count).Select(r => (r.Seq, r.Packed)), last);
        lock (_loadGate)
        {
            for (var i = start; i < start + count; i++)
                _unloaded.Remove((batch[i].SourceId, batch[i].MessageId));
            Monitor.PulseAll(_loadGate);
        }
        Interlocked.Exchange(ref _readable, last);
        NoteStored(count);
        Interlocked.Exchange(ref _newData, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// Appends rows to the inbox and records <paramref name="last"/> as the log's head in one
    /// transaction; the head survives an erasure of the newest events, so sequence numbers are
    /// never reused.
    /// </summary>
    private static void AppendToInbox(DuckDBConnection c, IEnumerable<(long Seq, byte[] Packed)> rows, long last)
    {
        using var tx = c.BeginTransaction();
        using (var appender = c.CreateAppender("inbox"))
        {
            foreach (var (seq, packed) in rows)
                appender.CreateRow().AppendValue(seq).AppendValue(packed).EndRow();
        }
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "INSERT OR REPLACE INTO log_head VALUES (1, $seq)";
            cmd.Parameters.Add(EventStore.Parameter("seq", last));
            cmd.ExecuteNonQuery();
        }
        tx.Commit();
    }

    /// <summary>Loads what the segments hold beyond the store (after an unclean stop) and deletes them; returns how many records that was.</summary>
    private long RecoverSegments(DuckDBConnection c)
    {
        var records = _segments.Recover(ReadHead(c));
        foreach (var chunk in records.Chunk(LoadChunk))
            AppendToInbox(c, chunk, chunk[^1].Seq);
        _segments.DeleteAll();
        return records.Count;
    }

    [LoggerMessage(EventId = 4007, Level = LogLevel.Error, Message = "Loading {Count} acknowledged events into the store failed; they stay in the segment files and are retried.")]
    private static partial void LogLoadFailed(ILogger logger, Exception e, int count);
}
