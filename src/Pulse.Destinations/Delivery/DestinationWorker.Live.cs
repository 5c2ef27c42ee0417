using Pulse.Collect.Profiles;

namespace Pulse.Destinations.Delivery;

/// <summary>The live stream: reading the log from the cursor, sending in order, saving the cursor.</summary>
internal sealed partial class DestinationWorker
{
    private async Task RunLiveAsync(CancellationToken ct)
    {
        var pending = new Queue<Chunk>();
        var read = Position;
        // The cursor is written by its own loop a few times a second, never in the way of reading and sending.
        var saver = RunSaverAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                while (pending.Count > 0 && pending.Peek().Task!.IsCompleted)
                {
                    var done = pending.Dequeue();
                    await done.Task!; // a failure here is a bug or a stop; either way the cursor stays
                    Interlocked.Exchange(ref _position, done.UpTo);
                }
                var failing = pending.Where(c => c.FirstFailure is not null).Select(c => c.FirstFailure).Min();
                if (pending.Count == 0 && failing is null)
                    _restoredFailingSince = null;
                Interlocked.Exchange(ref _failingTicks, (failing ?? (pending.Count > 0 ? _restoredFailingSince : null))?.UtcTicks ?? 0);
                // Consent in log order: nothing past a consent fact the profiles have not applied yet.
                ConsentHorizon? held = null;
                if (pending.Count < Math.Max(_options.Concurrency * 2, 2 * _readSize / _batch))
                {
                    var horizon = await _order.SendableUpToAsync(_row.WorkspaceId, ct);
                    if (horizon.Holds(read))
                        held = horizon;
                    var (events, upTo) = horizon.Sendable > read
                        ? await _log.ReadSelectedAsync(_row.WorkspaceId, _sources, _names, read, horizon.Sendable, _readSize, ct)
                        : ([], read);
                    if (upTo > read)
                    {
                        foreach (var chunk in Cut(Select(events), read, upTo, DeliveryKind.Live))
                        {
                            chunk.Task = SendChunkAsync(chunk, ct);
                            pending.Enqueue(chunk);
                        }
                        read = upTo;
                        continue;
                    }
                }
                // Held at a consent fact: only the profile builder's progress can free it; else new events can.
                var waits = new List<Task> { held is { } h ? _order.AppliedMoreAsync(h, ct) : _log.WaitForDeliverableAsync(read, ct) };
                if (pending.Count > 0)
                    waits.Add(pending.Peek().Task!);
                await Task.WhenAny(waits).WaitAsync(TimeSpan.FromSeconds(1), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The log or the store failed: start again from the cursor (what was in flight is sent again, same event ids).
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
                SetError(e.Message);
                await Task.WhenAll(pending.Select(p => p.Task!)).ContinueWith(_ => { }, TaskScheduler.Default);
                pending.Clear();
                read = Position;
                await Task.Delay(TimeSpan.FromSeconds(1), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Stopping: whatever finished in order is recorded; the rest is sent again after the restart.
        while (pending.Count > 0 && pending.Peek().Task!.IsCompletedSuccessfully)
            Interlocked.Exchange(ref _position, pending.Dequeue().UpTo);
        await saver;
        await SaveAsync(CancellationToken.None);
    }

    private long _failingTicks;
    private long _savedPosition = -1;
    private long _savedFailingTicks = -1;

    private async Task RunSaverAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SaveEvery, _time, ct);
                await SaveAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
            }
        }
    }

    /// <summary>Writes the cursor (and when its oldest failing batch began) if either moved since the last write.</summary>
    private async Task SaveAsync(CancellationToken ct)
    {
        var position = Position;
        var failing = Interlocked.Read(ref _failingTicks);
        if (position == _savedPosition && failing == _savedFailingTicks)
            return;
        await _store.SaveCursorAsync(_row.Id, position, failing == 0 ? null : new DateTimeOffset(failing, TimeSpan.Zero), ct);
        _savedPosition = position;
        _savedFailingTicks = failing;
    }
}
