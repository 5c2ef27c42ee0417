using System.Threading.Channels;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Log;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Storage;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// The delivery engine's writes to the metadata store: cursors, dead letters (written before the
/// cursor can pass them), replay progress, and the delivery log, whose rows are queued and written
/// together a few times a second (a crash loses at most that much of the log, never a delivery).
/// </summary>
internal sealed partial class DeliveryStore(IServiceScopeFactory scopes, TimeProvider time, ILogger<DeliveryStore> logger)
{
    private readonly Channel<DeliveryAttempt> _attempts = Channel.CreateBounded<DeliveryAttempt>(
        new BoundedChannelOptions(100_000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Record(DeliveryAttempt attempt)
    {
        if (!_attempts.Writer.TryWrite(attempt))
            LogAttemptDropped(logger, attempt.DestinationId);
    }

    /// <summary>Writes queued delivery-log rows until <paramref name="ct"/> ends, then what is left.</summary>
    public async Task RunWriterAsync(CancellationToken ct)
    {
        var batch = new List<DeliveryAttempt>();
        while (true)
        {
            try
            {
                if (!await _attempts.Reader.WaitToReadAsync(ct))
                    return;
                await Task.Delay(TimeSpan.FromMilliseconds(200), time, ct);
            }
            catch (OperationCanceledException)
            {
                // Stopping: write what is queued.
            }
            while (batch.Count < 5000 && _attempts.Reader.TryRead(out var a))
                batch.Add(a);
            if (batch.Count > 0)
            {
                try
                {
                    await using var scope = scopes.CreateAsyncScope();
                    var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
                    db.ChangeTracker.AutoDetectChangesEnabled = false;
                    db.Attempts.AddRange(batch);
                    await db.SaveChangesAsync(CancellationToken.None);
                }
                catch (Exception e)
                {
                    LogWriteFailed(logger, e, batch.Count);
                }
                batch.Clear();
            }
            if (ct.IsCancellationRequested && !_attempts.Reader.TryPeek(out _))
                return;
        }
    }

    public async Task<DestinationCursor?> CursorAsync(Guid destinationId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        return await db.Cursors.AsNoTracking().FirstOrDefaultAsync(c => c.DestinationId == destinationId, ct);
    }

    public async Task SaveCursorAsync(Guid destinationId, long seq, DateTimeOffset? failingSince, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        var now = time.GetUtcNow();
        // Never backwards: a node that lost the destination to another must not undo the other's progress.
        var updated = await db.Cursors.Where(c => c.DestinationId == destinationId)
            .ExecuteUpdateAsync(s => s.SetProperty(c => c.Seq, c => c.Seq > seq ? c.Seq : seq).SetProperty(c => c.FailingSince, failingSince).SetProperty(c => c.UpdatedAt, now), ct);
        if (updated == 0)
        {
            db.Cursors.Add(new DestinationCursor { DestinationId = destinationId, Seq = seq, FailingSince = failingSince, UpdatedAt = now });
            await db.SaveChangesAsync(ct);
        }
    }

    /// <summary>Puts events in the dead-letter store; one already there (sent again and refused again) is updated.</summary>
    public async Task DeadLetterAsync(Destination destination, IReadOnlyList<(LoggedEvent Event, string? Target, string Reason)> events, int? status, string? response,
        DateTimeOffset now, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        var seqs = events.Select(e => e.Event.Seq).ToList();
        var existing = await db.DeadLetters.Where(d => d.DestinationId == destination.Id && seqs.Contains(d.Seq)).ToDictionaryAsync(d => d.Seq, ct);
        foreach (var (e, target, reason) in events)
        {
            if (!existing.TryGetValue(e.Seq, out var row))
            {
                row = new DeadLetter
                {
                    Id = Guid.CreateVersion7(now), DestinationId = destination.Id, WorkspaceId = destination.WorkspaceId, Seq = e.Seq, MessageId = e.MessageId,
                    UserId = e.UserId, AnonymousId = e.AnonymousId, Reason = reason,
                };
                db.DeadLetters.Add(row);
            }
            else if (row.State == DeadLetterState.Queued)
            {
                // Sent again on request and refused (or failing) again: that try counts too.
                row.Redrives++;
            }
            row.Event = target ?? e.Event ?? e.Type;
            row.Reason = Connectors.Connector.Excerpt(reason, 1000);
            row.Status = status;
            row.Response = response is null ? null : Connectors.Connector.Excerpt(response, 2000);
            row.DeadAt = now;
            row.State = DeadLetterState.Dead;
        }
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<long>> QueuedDeadLettersAsync(Guid destinationId, int max, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        return await db.DeadLetters.AsNoTracking().Where(d => d.DestinationId == destinationId && d.State == DeadLetterState.Queued)
            .OrderBy(d => d.Seq).Select(d => d.Seq).Take(max).ToListAsync(ct);
    }

    /// <summary>Ends a redrive of dead letters: delivered ones are marked so; the others stay dead with <paramref name="reason"/> (when given).</summary>
    public async Task RedriveEndedAsync(Guid destinationId, IReadOnlyList<long> seqs, bool delivered, string? reason, CancellationToken ct)
    {
        if (seqs.Count == 0)
            return;
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        var now = time.GetUtcNow();
        var rows = await db.DeadLetters.Where(d => d.DestinationId == destinationId && seqs.Contains(d.Seq)).ToListAsync(ct);
        foreach (var row in rows)
        {
            row.Redrives++;
            if (delivered)
            {
                row.State = DeadLetterState.Redelivered;
                row.RedeliveredAt = now;
            }
            else
            {
                row.State = DeadLetterState.Dead;
                if (reason is not null)
                    row.Reason = reason;
            }
        }
        // (A redrive refused again was already put back to Dead, with the new reason, and counted by DeadLetterAsync.)
        await db.SaveChangesAsync(ct);
    }

    public async Task<LogReplay?> NextReplayAsync(Guid destinationId, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        return await db.Replays.AsNoTracking().Where(r => r.DestinationId == destinationId && (r.State == ReplayState.Queued || r.State == ReplayState.Running))
            .OrderBy(r => r.Id).FirstOrDefaultAsync(ct);
    }

    public async Task ReplayProgressAsync(Guid replayId, long position, long sent, long dead, bool done, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        var row = await db.Replays.FirstOrDefaultAsync(r => r.Id == replayId, ct);
        // Cancelled meanwhile: leave it so.
        if (row is null || row.State == ReplayState.Cancelled)
            return;
        row.Position = position;
        row.Sent += sent;
        row.Dead += dead;
        row.State = done ? ReplayState.Done : ReplayState.Running;
        if (done)
            row.FinishedAt = time.GetUtcNow();
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Deletes delivery-log rows older than <paramref name="before"/>.</summary>
    public async Task<int> PruneAsync(DateTimeOffset before, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<DestinationsDbContext>();
        return await db.Attempts.Where(a => a.At < before).ExecuteDeleteAsync(ct);
    }

    [LoggerMessage(EventId = 3010, Level = LogLevel.Warning, Message = "Delivery log full; an attempt of destination {Id} was not recorded")]
    private static partial void LogAttemptDropped(ILogger logger, Guid id);

    [LoggerMessage(EventId = 3011, Level = LogLevel.Error, Message = "Could not write {Count} delivery-log rows")]
    private static partial void LogWriteFailed(ILogger logger, Exception e, int count);
}
