using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Pulse.Collect.Log;

/// <summary>
/// The durable event log. Appends go through one writer thread per process that groups every
/// request waiting at that moment into one durable write (group commit) before any request in it
/// is answered. Each stored event gets the next sequence number of the log; consumers read from
/// their own checkpoint. How the write is made durable is the store's: segment files and a DuckDB
/// loader in embedded mode (<see cref="EmbeddedEventLog"/>), a PostgreSQL transaction with binary
/// COPY in cluster mode (<see cref="PostgresEventLog"/>).
/// </summary>
public abstract partial class EventLog : IHostedService, IDisposable
{
    private protected readonly EventStore _store;
    private protected readonly CollectOptions _options;
    private protected readonly CollectMetrics _metrics;
    private protected readonly TimeProvider _time;
    private protected readonly ILogger _log;
    // Requests waiting for the writer: a lock-free queue, and an event the writer sleeps on only
    // when it found the queue empty (so a busy writer costs producers no system call).
    private readonly ConcurrentQueue<Pending> _queue = new();
    private readonly AutoResetEvent _wakeWriter = new(false);
    private int _writerIdle;
    private int _queued;
    private const int MaxQueuedRequests = 20_000;
    private protected volatile bool _closed;
    private Thread? _writer;
    private protected readonly TaskCompletionSource _writerDone = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private TaskCompletionSource _newData = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private protected long _head;
    private protected long _readable;
    private protected volatile bool _started;

    private protected EventLog(EventStore store, CollectOptions options, CollectMetrics metrics, TimeProvider time, ILogger log)
    {
        _store = store;
        _options = options;
        _metrics = metrics;
        _time = time;
        _log = log;
    }

    /// <summary>The log over <paramref name="store"/>: embedded or cluster, as the store is.</summary>
    internal static EventLog Create(EventStore store, Microsoft.Extensions.Options.IOptions<CollectOptions> options, CollectMetrics metrics, TimeProvider time, ILogger<EventLog> log) =>
        store switch
        {
            PostgresEventStore pg => new PostgresEventLog(pg, options, metrics, time, log),
            DuckDbEventStore duck => new EmbeddedEventLog(duck, options, metrics, time, log),
            _ => throw new InvalidOperationException($"No event log for {store.GetType().Name}."),
        };

    /// <summary>The consumer name under which the loader's lag (acknowledged, not yet in the store) is reported.</summary>
    public const string StoreConsumer = "store";

    /// <summary>Sequence number of the last durably stored (acknowledged) event known to this process (0 when the log is empty).</summary>
    public long Head => Interlocked.Read(ref _head);

    /// <summary>Sequence number up to which readers of the store see every event (at most a little behind <see cref="Head"/>).</summary>
    public long ReadableHead => Interlocked.Read(ref _readable);

    private protected sealed record Pending(IReadOnlyList<LogRecord> Records, TaskCompletionSource<int> Done);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await OpenAsync(cancellationToken);
        _writer = new Thread(WriterLoop) { Name = "pulse-log-writer", IsBackground = true };
        _writer.Start();
        StartBackground();
        _started = true;
    }

    /// <summary>Stops taking appends, commits what is queued, and waits for the writer.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (!_started)
            return;
        _closed = true;
        _wakeWriter.Set();
        await _writerDone.Task.WaitAsync(cancellationToken);
        await StopBackgroundAsync();
    }

    /// <summary>Opens the store and sets <see cref="Head"/> and <see cref="ReadableHead"/>, before the writer starts.</summary>
    private protected abstract Task OpenAsync(CancellationToken ct);

    /// <summary>Starts the store's own background work (the embedded loader, the cluster's head listener).</summary>
    private protected abstract void StartBackground();

    /// <summary>Stops it, after the writer has committed what was queued.</summary>
    private protected abstract Task StopBackgroundAsync();

    /// <summary>Work done on the request's thread so the single writer does not: what the store needs of each record.</summary>
    internal abstract void Prepare(LogRecord record);

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
        // waiting for the store), new ones are answered 503 at once instead of piling up.
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

    /// <summary>Readers now see every event up to <paramref name="seq"/>: wakes whoever waits for new events.</summary>
    private protected void PublishReadable(long seq)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _readable)) < seq)
        {
            if (Interlocked.CompareExchange(ref _readable, seq, seen) == seen)
                break;
        }
        Interlocked.Exchange(ref _newData, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>Raises <see cref="Head"/> to <paramref name="seq"/> if it is lower (another node's commit, seen late).</summary>
    private protected void RaiseHead(long seq)
    {
        long seen;
        while ((seen = Interlocked.Read(ref _head)) < seq)
        {
            if (Interlocked.CompareExchange(ref _head, seq, seen) == seen)
                break;
        }
    }

    private void WriterLoop()
    {
        var group = new List<Pending>();
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
                    Commit(group);
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
            CloseWriter();
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
    private readonly List<LogRecord> _unique = [];

    private void Commit(List<Pending> group)
    {
        var started = Stopwatch.GetTimestamp();
        var now = _time.GetUtcNow().UtcDateTime;
        _inCommit.Clear();
        _unique.Clear();
        foreach (var p in group)
        {
            foreach (var r in p.Records)
            {
                r.Duplicate = !_inCommit.Add((r.SourceId, r.MessageId));
                if (!r.Duplicate)
                    _unique.Add(r);
            }
        }
        try
        {
            // Marks the records the log already holds as duplicates, gives the others their
            // sequence numbers in order, and stores them durably, or throws having stored none.
            Store(_unique, now);
        }
        catch (Exception e) when (e is LogUnavailableException || IsStoreFailure(e))
        {
            LogCommitFailed(_log, e, group.Count);
            var failure = e as LogUnavailableException ?? new LogUnavailableException("The event log could not store the request: " + e.Message, e);
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
                    d++;
            }
            stored += p.Records.Count - d;
            duplicates += d;
            p.Done.TrySetResult(d);
        }
        _metrics.Committed(stored, duplicates, Stopwatch.GetElapsedTime(started).TotalSeconds);
    }

    /// <summary>
    /// The store's part of a group commit, on the writer thread: <paramref name="records"/> (no two
    /// with the same source and message id) are checked against the log's deduplication window
    /// (setting <see cref="LogRecord.Duplicate"/>), numbered after the head in order, and made
    /// durable. On return every one not marked duplicate is stored and <see cref="Head"/> covers
    /// it; on a throw none is.
    /// </summary>
    private protected abstract void Store(List<LogRecord> records, DateTime now);

    /// <summary>Whether <paramref name="e"/> is the store failing (answered 503), rather than a defect that stops the writer.</summary>
    private protected abstract bool IsStoreFailure(Exception e);

    /// <summary>Releases what the writer thread held (its connection).</summary>
    private protected virtual void CloseWriter()
    {
    }

    /// <summary>
    /// Deletes every event of the workspace sent with one of <paramref name="ids"/> (as user,
    /// anonymous or previous id) so that no copy stays readable; returns how many.
    /// </summary>
    internal abstract Task<long> EraseAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct);

    /// <summary>
    /// Bulk-loads records (demo data, imports) before the server starts taking events: sequence
    /// numbers continue the log. Message ids are not checked against the log; the caller gives unique ones.
    /// </summary>
    internal abstract Task<long> ImportAsync(IEnumerable<LogRecord> records, IProgress<long>? progress, CancellationToken ct);

    /// <summary>
    /// Deletes the events received before <paramref name="cutoff"/> (<see cref="CollectOptions.RetentionDays"/>),
    /// or on a dry run counts them, without moving the head or any consumer's position.
    /// </summary>
    internal virtual Task<PruneReport> PruneAsync(DateTime cutoff, bool dryRun, IProgress<long>? progress, CancellationToken ct) =>
        throw new NotSupportedException("The cluster's log drops whole day partitions (LogMaintenance).");

    /// <summary>Events the store refused and set aside (embedded mode; the cluster's log has none), oldest first; every workspace's when null.</summary>
    internal virtual IReadOnlyList<SetAsideDto> ListSetAside(Guid? workspaceId, int limit) => [];

    /// <summary>How many events are set aside per workspace.</summary>
    internal virtual IReadOnlyDictionary<Guid, long> CountSetAside() => new Dictionary<Guid, long>();

    /// <summary>Tries a workspace's set-aside events (or the one at <paramref name="seq"/>) again.</summary>
    internal virtual Task<SetAsideReplayResult> ReplaySetAsideAsync(Guid workspaceId, long? seq, CancellationToken ct) =>
        Task.FromResult(new SetAsideReplayResult(0, 0, 0));

    /// <summary>Completes the next time an event is set aside or replayed.</summary>
    internal virtual Task SetAsideChangedAsync(CancellationToken ct) => Task.Delay(Timeout.Infinite, ct);

    /// <summary>The records in lists of <paramref name="size"/> (the last one shorter), for imports that commit a chunk at a time.</summary>
    private protected static IEnumerable<List<LogRecord>> InChunks(IEnumerable<LogRecord> records, int size, CancellationToken ct)
    {
        var chunk = new List<LogRecord>(size);
        foreach (var r in records)
        {
            ct.ThrowIfCancellationRequested();
            chunk.Add(r);
            if (chunk.Count == size)
            {
                yield return chunk;
                chunk = new List<LogRecord>(size);
            }
        }
        if (chunk.Count > 0)
            yield return chunk;
    }

    public virtual void Dispose()
    {
        _closed = true;
        GC.SuppressFinalize(this);
    }

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "A group commit of {Requests} request(s) failed; they were answered 503.")]
    private static partial void LogCommitFailed(ILogger logger, Exception e, int requests);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Critical, Message = "The event log writer stopped.")]
    private static partial void LogWriterCrashed(ILogger logger, Exception e);
}
