using System.Diagnostics;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace Pulse.Collect.Log;

public sealed partial class EventLog
{
    // The hot path stores each event as one packed string in the narrow "inbox" table (two
    // columns commit far faster than forty). The compactor moves committed inbox rows into the
    // wide "events" table in one transaction, in large steps when traffic is high (a DuckDB row
    // group and more are written straight to the file, compressed, without the WAL) and every
    // second when it is low. Readers see both through the all_events view, so nothing waits on it.
    private readonly AutoResetEvent _compactNow = new(false);
    private long _uncompacted;
    private long _compactedUpTo;
    private Thread? _compactor;
    private volatile bool _stopping;

    // Held while the compactor moves rows and while an erasure deletes them, so the two never
    // race over the same inbox rows.
    private readonly Lock _moveGate = new();

    private void StartCompactor()
    {
        _compactor = new Thread(CompactorLoop) { Name = "pulse-log-compactor", IsBackground = true };
        _compactor.Start();
    }

    private void StopCompactor()
    {
        _stopping = true;
        _compactNow.Set();
        _compactor?.Join(TimeSpan.FromSeconds(30));
    }

    private void NoteStored(int count)
    {
        if (Interlocked.Add(ref _uncompacted, count) >= _options.CompactRows)
            _compactNow.Set();
    }

    private void CompactorLoop()
    {
        using var c = _store.Open();
        _compactedUpTo = ReadCompactedHead(c);
        while (!_stopping)
        {
            _compactNow.WaitOne(TimeSpan.FromMilliseconds(_options.CompactIntervalMs));
            if (_stopping)
                break;
            var upTo = ReadableHead;
            if (upTo <= _compactedUpTo)
                continue;
            try
            {
                var started = Stopwatch.GetTimestamp();
                lock (_moveGate)
                {
                    using var tx = c.BeginTransaction();
                    MoveInbox(c, upTo);
                    tx.Commit();
                }
                Interlocked.Add(ref _uncompacted, -(upTo - _compactedUpTo));
                LogCompacted(_log, upTo - _compactedUpTo, upTo, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
                _compactedUpTo = upTo;
            }
            catch (Exception e) when (e is DuckDBException or InvalidOperationException)
            {
                // The rows stay in the inbox, where readers see them; the next round retries.
                LogCompactionFailed(_log, e);
            }
        }
    }

    private static long ReadCompactedHead(DuckDBConnection c)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT coalesce((SELECT min(seq) - 1 FROM inbox), (SELECT max(seq) FROM events), 0)";
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Moves inbox rows up to <paramref name="upTo"/> into the wide table, inside the caller's transaction.</summary>
    private static void MoveInbox(DuckDBConnection c, long upTo)
    {
        foreach (var sql in (string[])["INSERT INTO events SELECT * FROM inbox_events WHERE seq <= $upTo", "DELETE FROM inbox WHERE seq <= $upTo"])
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = sql;
            cmd.Parameters.Add(EventStore.Parameter("upTo", upTo));
            cmd.ExecuteNonQuery();
        }
    }

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Compacted {Rows} events up to sequence {UpTo} in {Ms} ms.")]
    private static partial void LogCompacted(ILogger logger, long rows, long upTo, double ms);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Compacting the event log failed; it is retried.")]
    private static partial void LogCompactionFailed(ILogger logger, Exception e);
}
