using Microsoft.Extensions.Logging;

namespace Pulse.Collect.Log;

internal sealed partial class EmbeddedEventLog
{
    // Records the store refused twice, alone, are kept in DuckDB's set_aside table (with the
    // packed bytes and the error) in the same transaction that moves the head past them: readers
    // never wait for them, their sequence numbers stay accounted for, and a replay appends them to
    // the log again (with a new sequence number, so consumers that already passed the old one see them).
    private TaskCompletionSource _setAsideChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Called by the loader, inside the transaction's aftermath, for each record it set aside.</summary>
    private void SetAside(PackedRecord record, string error)
    {
        var (workspace, _, messageId, _) = SetAsideStore.Describe(record.Packed);
        LogSetAside(_log, record.Seq, workspace?.ToString() ?? "unknown", messageId ?? "unknown", error);
        _metrics.SetAside(1);
        SignalSetAside();
    }

    private void SignalSetAside() =>
        Interlocked.Exchange(ref _setAsideChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    internal override Task SetAsideChangedAsync(CancellationToken ct) => Volatile.Read(ref _setAsideChanged).Task.WaitAsync(ct);

    internal override IReadOnlyList<SetAsideDto> ListSetAside(Guid? workspaceId, int limit)
    {
        using var c = _duck.Open();
        return SetAsideStore.List(c, workspaceId, limit);
    }

    internal override IReadOnlyDictionary<Guid, long> CountSetAside()
    {
        using var c = _duck.Open();
        return SetAsideStore.CountByWorkspace(c);
    }

    /// <summary>
    /// Tries the workspace's set-aside events (or one) again: each one the store now takes (tried
    /// in a transaction that is rolled back) is appended to the log like a new request, keeping
    /// its original fields and arrival time, and leaves the set-aside table once acknowledged; one
    /// still refused stays, with the new error.
    /// </summary>
    internal override async Task<SetAsideReplayResult> ReplaySetAsideAsync(Guid workspaceId, long? seq, CancellationToken ct)
    {
        List<PackedRecord> rows;
        using (var c = _duck.Open())
            rows = SetAsideStore.Packed(c, workspaceId, seq);
        int replayed = 0, duplicates = 0, failing = 0;
        foreach (var row in rows)
        {
            ct.ThrowIfCancellationRequested();
            string? error;
            using (var c = _duck.Open())
            {
                lock (_moveGate)
                    error = SetAsideStore.TryLoad(c, row.Seq, row.Packed, RefuseLoadHook);
                if (error is not null)
                {
                    SetAsideStore.Failed(c, row.Seq, error);
                    failing++;
                    continue;
                }
            }
            var e = LogRecord.UnpackForDelivery(row.Seq, row.Packed);
            var record = new LogRecord
            {
                WorkspaceId = e.WorkspaceId,
                SourceId = e.SourceId,
                MessageId = e.MessageId,
                Type = e.Type,
                Event = e.Event,
                ReceivedAt = e.ReceivedAt.UtcDateTime,
                Enrichment = new EventEnrichment(),
                Raw = [],
                Packed = row.Packed,
                DedupHash = DedupFilter.Hash(e.SourceId, e.MessageId),
            };
            var duplicate = await AppendAsync([record], ct) > 0;
            using (var c = _duck.Open())
                SetAsideStore.Delete(c, row.Seq);
            if (duplicate)
                duplicates++;
            else
                replayed++;
        }
        LogReplayed(_log, workspaceId, replayed, duplicates, failing);
        SignalSetAside();
        return new SetAsideReplayResult(replayed, duplicates, failing);
    }

    [LoggerMessage(EventId = 2100, Level = LogLevel.Error, Message = "The store refused the event at sequence {Seq} (workspace {Workspace}, message {MessageId}) again and again; it was set aside so that the events after it load: {Error}")]
    private static partial void LogSetAside(ILogger logger, long seq, string workspace, string messageId, string error);

    [LoggerMessage(EventId = 2101, Level = LogLevel.Information, Message = "Set-aside events of workspace {Workspace} replayed: {Replayed} appended to the log again, {Duplicates} already stored, {Failing} still refused.")]
    private static partial void LogReplayed(ILogger logger, Guid workspace, int replayed, int duplicates, int failing);

    [LoggerMessage(EventId = 2102, Level = LogLevel.Error, Message = "Recovery set aside {Count} acknowledged event(s) the store refused; see GET /api/v1/events/set-aside.")]
    private static partial void LogRecoveredSetAside(ILogger logger, int count);
}
