using System.Diagnostics;
using System.Threading.Channels;
using DuckDB.NET.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pulse.Collect.Log;

/// <summary>
/// The durable event log. Appends go through one writer thread that groups every request waiting
/// at that moment into one DuckDB transaction (group commit): the transaction's WAL is synced to
/// disk before any request in it is answered. Each stored event gets the next sequence number;
/// consumers read from their own checkpoint.
/// </summary>
public sealed partial class EventLog : IHostedService, IDisposable
{
    private readonly EventStore _store;
    private readonly CollectOptions _options;
    private readonly CollectMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<EventLog> _log;
    private readonly Channel<Pending> _queue;
    private readonly DedupFilter _dedup;
    private Thread? _writer;
    private readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _newData = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _head;
    private volatile bool _started;

    internal EventLog(EventStore store, IOptions<CollectOptions> options, CollectMetrics metrics, TimeProvider time, ILogger<EventLog> log)
    {
        _store = store;
        _options = options.Value;
        _metrics = metrics;
        _time = time;
        _log = log;
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions(_options.CommitQueueRequests)
        {
            SingleReader = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _dedup = new DedupFilter(_options.DedupWindowDays, _options.DedupExpectedPerDay);
    }

    /// <summary>Sequence number of the last committed event (0 when the log is empty).</summary>
    public long Head => Interlocked.Read(ref _head);

    private sealed record Pending(IReadOnlyList<LogRecord> Records, TaskCompletionSource<int> Done);

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _store.EnsureOpen();
        using (var c = _store.Open())
        {
            _head = ReadHead(c);
            var remembered = RebuildDedup(c);
            LogOpened(_log, _store.Path, _head, remembered, _dedup.CapacityBytes / (1024 * 1024));
        }
        _writer = new Thread(WriterLoop) { Name = "pulse-log-writer", IsBackground = true };
        _writer.Start();
        StartCompactor();
        _started = true;
        return Task.CompletedTask;
    }

    /// <summary>Stops taking appends, commits what is queued, and waits for the writer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started)
            return;
        _queue.Writer.TryComplete();
        await _writerDone.Task.WaitAsync(cancellationToken);
        StopCompactor();
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
        var pending = new Pending(records, new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously));
        try
        {
            await _queue.Writer.WriteAsync(pending, ct);
        }
        catch (ChannelClosedException)
        {
            throw new LogUnavailableException("The server is shutting down.");
        }
        // Once queued, the request is committed or failed as a whole even if the client leaves.
        return await pending.Done.Task;
    }

    /// <summary>Completes when the head passes <paramref name="afterSeq"/> (at once if it already has).</summary>
    public Task WaitForAsync(long afterSeq, CancellationToken ct)
    {
        var signal = Volatile.Read(ref _newData);
        return Head > afterSeq ? Task.CompletedTask : signal.Task.WaitAsync(ct);
    }

    private static long ReadHead(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT greatest((SELECT coalesce(max(seq), 0) FROM log_head), (SELECT coalesce(max(seq), 0) FROM events), (SELECT coalesce(max(seq), 0) FROM inbox))";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
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
                var more = _queue.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult();
                if (!more)
                    break;
                group.Clear();
                var events = 0;
                while (events < _options.CommitMaxEvents && _queue.Reader.TryRead(out var p))
                {
                    group.Add(p);
                    events += p.Records.Count;
                }
                if (group.Count > 0)
                    Commit(connection, group);
            }
        }
        catch (Exception e)
        {
            LogWriterCrashed(_log, e);
            while (_queue.Reader.TryRead(out var p))
                p.Done.TrySetException(new LogUnavailableException("The event log writer stopped.", e));
        }
        finally
        {
            _writerDone.TrySetResult();
        }
    }

    private readonly HashSet<(Guid, string)> _inCommit = [];
    private readonly List<LogRecord> _candidates = [];

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

        var head = _head;
        try
        {
            if (_candidates.Count > 0)
                MarkStored(c, _candidates, now.AddDays(-_options.DedupWindowDays));
            using (var tx = c.BeginTransaction())
            {
                using (var appender = c.CreateAppender("inbox"))
                {
                    foreach (var p in group)
                    {
                        foreach (var r in p.Records)
                        {
                            if (r.Duplicate)
                                continue;
                            r.Seq = ++head;
                            appender.CreateRow().AppendValue(r.Seq).AppendValue(r.Packed).EndRow();
                        }
                    }
                }
                tx.Commit();
            }
        }
        catch (Exception e) when (e is DuckDBException or InvalidOperationException or IOException)
        {
            LogCommitFailed(_log, e, group.Count);
            var failure = new LogUnavailableException("The event log could not store the request: " + e.Message, e);
            foreach (var p in group)
                p.Done.TrySetException(failure);
            return;
        }

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
        Interlocked.Exchange(ref _head, head);
        NoteStored(stored);
        Interlocked.Exchange(ref _newData, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        _metrics.Committed(stored, duplicates, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>The exact check behind the filter's "maybe": marks records whose id the log holds.</summary>
    private static void MarkStored(DuckDBConnection c, List<LogRecord> candidates, DateTime since)
    {
        foreach (var bySource in candidates.GroupBy(r => r.SourceId))
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
        _queue.Writer.TryComplete();
        _compactNow.Dispose();
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Information, Message = "Event log {Path} open at sequence {Head}; {Remembered} message ids of the dedup window loaded ({FilterMiB} MiB filter).")]
    private static partial void LogOpened(ILogger logger, string path, long head, long remembered, long filterMiB);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "A group commit of {Requests} request(s) failed; they were answered 503.")]
    private static partial void LogCommitFailed(ILogger logger, Exception e, int requests);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Critical, Message = "The event log writer stopped.")]
    private static partial void LogWriterCrashed(ILogger logger, Exception e);
}
