
namespace Pulse.Destinations.Delivery;

/// <summary>Dead letters asked to be sent again, and replays of the log.</summary>
internal sealed partial class DestinationWorker
{
    /// <summary>Dead letters asked to be sent again, then replays of the log, one batch at a time.</summary>
    private async Task RunSideAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake).Task;
            try
            {
                var worked = await RedriveAsync(ct) | await ReplayAsync(ct);
                if (!worked)
                    await wake.WaitAsync(TimeSpan.FromSeconds(2), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
                await Task.Delay(TimeSpan.FromSeconds(2), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> RedriveAsync(CancellationToken ct)
    {
        var sendable = (await _order.SendableUpToAsync(_row.WorkspaceId, ct)).Sendable;
        // A dead letter past a consent fact not applied yet stays queued until it is.
        var queued = (await _store.QueuedDeadLettersAsync(_row.Id, _batch, ct)).Where(s => s <= sendable).ToList();
        if (queued.Count == 0)
            return false;
        var loaded = _log.ReadableHead;
        var events = await _log.ReadPositionsAsync(_row.WorkspaceId, queued, ct);
        var found = events.Select(e => e.Seq).ToHashSet();
        // An event not in the store yet (sent from memory, dead-lettered before the loader caught up) waits for it.
        var gone = queued.Where(s => !found.Contains(s) && s <= loaded).ToList();
        if (events.Count == 0 && gone.Count == 0)
            return false;
        if (gone.Count > 0)
            await _store.RedriveEndedAsync(_row.Id, gone, delivered: false, "The event is no longer in the log (past the retention period).", ct);
        var selected = Select(events, ignoreFilters: true);
        var unmapped = events.Where(e => !selected.Any(s => s.Event.Seq == e.Seq)).Select(e => e.Seq).ToList();
        if (unmapped.Count > 0)
            await _store.RedriveEndedAsync(_row.Id, unmapped, delivered: false, "The destination's mapping no longer sends this event.", ct);
        if (selected.Count > 0)
        {
            var delivered = new List<long>();
            foreach (var chunk in Cut(selected, 0, 0, DeliveryKind.Redrive))
                delivered.AddRange((await SendChunkAsync(chunk, ct)).Delivered);
            await _store.RedriveEndedAsync(_row.Id, delivered, delivered: true, null, ct);
        }
        return true;
    }

    private async Task<bool> ReplayAsync(CancellationToken ct)
    {
        var replay = await _store.NextReplayAsync(_row.Id, ct);
        if (replay is null)
            return false;
        var sendable = Math.Min(replay.LastSeq, (await _order.SendableUpToAsync(_row.WorkspaceId, ct)).Sendable);
        if (sendable <= replay.Position)
            return false; // waits for the profiles to apply the consent facts before the next event
        var (events, upTo) = await _log.ReadSelectedAsync(_row.WorkspaceId, _sources, _names, replay.Position, sendable, _readSize, ct);
        long sent = 0, dead = 0;
        foreach (var chunk in Cut(Select(events), replay.Position, upTo, DeliveryKind.Replay))
        {
            var result = await SendChunkAsync(chunk, ct);
            sent += result.Delivered.Count;
            dead += result.Dead;
        }
        await _store.ReplayProgressAsync(replay.Id, upTo, sent, dead, done: upTo >= replay.LastSeq, ct);
        return true;
    }
}
