using System.Globalization;
using DuckDB.NET.Data;
using Microsoft.Extensions.Logging;

namespace Pulse.Collect.Log;

internal sealed partial class EmbeddedEventLog
{
    /// <summary>
    /// Deletes (or, on a dry run, counts) the events received before <paramref name="cutoff"/>,
    /// day by day in one transaction under the loader's gate, then checkpoints so the rows leave
    /// DuckDB's WAL. The head is written first, so it stays where it is even when the newest rows
    /// go; consumers' checkpoints are positions and stay valid. Message ids of pruned events still
    /// inside the deduplication window move to <c>pruned_message_ids</c>, where the duplicate check
    /// finds them, and leave it with the window.
    /// </summary>
    internal override Task<PruneReport> PruneAsync(DateTime cutoff, bool dryRun, IProgress<long>? progress, CancellationToken ct)
    {
        using var c = _duck.Open();
        var days = new List<PruneDay>();
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT source_id, CAST(received_at AS DATE), count(*) FROM events WHERE received_at < $cutoff GROUP BY 1, 2 ORDER BY 2, 1";
            EventStore.Add(cmd, "cutoff", cutoff);
            using var r = cmd.ExecuteReader();
            while (r.Read())
                days.Add(new PruneDay(r.GetGuid(0), r.GetValue(1) is DateOnly d ? d : DateOnly.FromDateTime(Convert.ToDateTime(r.GetValue(1), CultureInfo.InvariantCulture)), Convert.ToInt64(r.GetValue(2), CultureInfo.InvariantCulture)));
        }
        var total = days.Sum(d => d.Events);
        var setAside = Scalar(c, "SELECT count(*) FROM set_aside WHERE received_at < $cutoff", cutoff);
        var dedupSince = _time.GetUtcNow().UtcDateTime.AddDays(-_options.DedupWindowDays);
        long removed = 0;
        if (!dryRun)
        {
            lock (_moveGate)
            {
                using (var tx = c.BeginTransaction())
                {
                    DuckDbEventStore.WriteHead(c, DuckDbEventStore.ReadHead(c));
                    foreach (var day in days.Select(d => d.Day).Distinct())
                    {
                        ct.ThrowIfCancellationRequested();
                        var from = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
                        var to = from.AddDays(1) < cutoff ? from.AddDays(1) : cutoff;
                        using (var keep = c.CreateCommand())
                        {
                            keep.CommandText = "INSERT INTO pruned_message_ids SELECT source_id, message_id, received_at FROM events WHERE received_at >= $from AND received_at < $to AND received_at >= $since";
                            EventStore.Add(keep, "from", from);
                            EventStore.Add(keep, "to", to);
                            EventStore.Add(keep, "since", dedupSince);
                            keep.ExecuteNonQuery();
                        }
                        using (var delete = c.CreateCommand())
                        {
                            delete.CommandText = "DELETE FROM events WHERE received_at >= $from AND received_at < $to";
                            EventStore.Add(delete, "from", from);
                            EventStore.Add(delete, "to", to);
                            removed += delete.ExecuteNonQuery();
                        }
                        progress?.Report(removed);
                    }
                    using (var delete = c.CreateCommand())
                    {
                        delete.CommandText = "DELETE FROM set_aside WHERE received_at < $cutoff";
                        EventStore.Add(delete, "cutoff", cutoff);
                        delete.ExecuteNonQuery();
                    }
                    using (var purge = c.CreateCommand())
                    {
                        purge.CommandText = "DELETE FROM pruned_message_ids WHERE received_at < $since";
                        EventStore.Add(purge, "since", dedupSince);
                        purge.ExecuteNonQuery();
                    }
                    tx.Commit();
                }
                if (removed > 0 || setAside > 0)
                    Checkpoint(c);
            }
            if (removed > 0)
                _metrics.Pruned(removed);
            if (setAside > 0)
                SignalSetAside();
            LogPruned(_log, removed, days.Select(d => d.Day).Distinct().Count(), cutoff, setAside);
        }
        DateTime? oldestKept;
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "SELECT min(received_at) FROM events WHERE received_at >= $cutoff";
            EventStore.Add(cmd, "cutoff", cutoff);
            var v = cmd.ExecuteScalar();
            oldestKept = v is DateTime t ? DateTime.SpecifyKind(t, DateTimeKind.Utc) : null;
        }
        return Task.FromResult(new PruneReport(cutoff, dryRun, dryRun ? total : removed, days, oldestKept, setAside, []));
    }

    private static long Scalar(DuckDBConnection c, string sql, DateTime cutoff)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        EventStore.Add(cmd, "cutoff", cutoff);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Folds the WAL into the file so deleted rows leave it (under the move gate, so no append is
    /// open); a reader's open transaction makes DuckDB refuse it for a moment, so it is tried again.
    /// </summary>
    private void Checkpoint(DuckDBConnection c)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                EventStore.Execute(c, "CHECKPOINT");
                return;
            }
            catch (DuckDBException e) when (attempt < 40)
            {
                if (attempt == 1)
                    LogCheckpointRetried(_log, e.Message);
                Thread.Sleep(50);
            }
            catch (DuckDBException e)
            {
                // The rows are deleted; their copy in DuckDB's WAL goes with the next automatic checkpoint.
                LogCheckpointDeferred(_log, e);
                return;
            }
        }
    }

    [LoggerMessage(EventId = 2110, Level = LogLevel.Information, Message = "Retention: {Removed} event(s) of {Days} day(s) received before {Cutoff:O} deleted from the log ({SetAside} set-aside event(s) with them).")]
    private static partial void LogPruned(ILogger logger, long removed, int days, DateTime cutoff, long setAside);
}
