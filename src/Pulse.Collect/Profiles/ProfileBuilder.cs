using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Log;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;
using Pulse.Platform.Threading;

namespace Pulse.Collect.Profiles;

/// <summary>
/// The log consumer that keeps the identity graph and profiles: it reads the event log in order
/// from its checkpoint and applies each batch in one transaction together with the checkpoint,
/// so every event counts exactly once even after a crash. The checkpoint is also mirrored into the
/// log's consumer table, where the lag is visible.
/// </summary>
internal sealed partial class ProfileBuilder(
    EventLog log, IServiceScopeFactory scopes, ProfileGate gate, CollectMetrics metrics, TimeProvider time, ILogger<ProfileBuilder> logger) : BackgroundService
{
    public const string ConsumerName = "profiles";
    private const int BatchSize = 2000;
    private static readonly TimeSpan MirrorEvery = TimeSpan.FromSeconds(5);
    private long _position;
    private TaskCompletionSource _progressed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The last log position applied.</summary>
    public long Position => Interlocked.Read(ref _position);

    /// <summary>Completes once every event up to <paramref name="seq"/> is applied.</summary>
    public async Task CaughtUpAsync(long seq, CancellationToken ct)
    {
        while (Position < seq)
        {
            var signal = Volatile.Read(ref _progressed);
            if (Position >= seq)
                return;
            await signal.Task.WaitAsync(ct);
        }
    }

    // Profiles may lag behind the log: under a burst the builder takes the CPU requests leave over.
    private readonly BackgroundScheduler _scheduler = new("pulse-profiles");

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _scheduler.RunAsync(() => RunAsync(stoppingToken), stoppingToken);

    public override void Dispose()
    {
        base.Dispose();
        _scheduler.Dispose();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        metrics.ObserveConsumer(ConsumerName, () => Math.Max(0, log.Head - Position));
        var mirrored = time.GetTimestamp();
        var mirroredSeq = -1L;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                Interlocked.Exchange(ref _position, await LoadPositionAsync(stoppingToken));
                Signal();
                while (!stoppingToken.IsCancellationRequested)
                {
                    var events = await log.ReadAsync(Position, BatchSize, stoppingToken);
                    if (events.Count == 0)
                    {
                        if (mirroredSeq != Position)
                        {
                            await log.SaveCheckpointAsync(ConsumerName, Position, stoppingToken);
                            mirroredSeq = Position;
                            mirrored = time.GetTimestamp();
                        }
                        await log.WaitForAsync(Position, stoppingToken);
                        continue;
                    }
                    await gate.RunAsync(() => ApplyAsync(events, stoppingToken), stoppingToken);
                    Interlocked.Exchange(ref _position, events[^1].Seq);
                    // The mirror in the log's table is for people and tools; it costs a store
                    // commit, so it is written at most every few seconds (the real checkpoint
                    // commits with each batch).
                    if (time.GetElapsedTime(mirrored) >= MirrorEvery)
                    {
                        await log.SaveCheckpointAsync(ConsumerName, events[^1].Seq, stoppingToken);
                        mirroredSeq = events[^1].Seq;
                        mirrored = time.GetTimestamp();
                    }
                    Signal();
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogBatchFailed(logger, e, Position);
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private void Signal() =>
        Interlocked.Exchange(ref _progressed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private async Task<long> LoadPositionAsync(CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        return await db.Progress.AsNoTracking().Where(p => p.Consumer == ConsumerName).Select(p => (long?)p.Seq).FirstOrDefaultAsync(ct) ?? 0;
    }

    private async Task<bool> ApplyAsync(IReadOnlyList<LoggedEvent> events, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        var platform = scope.ServiceProvider.GetRequiredService<PulseDbContext>();
        var audit = scope.ServiceProvider.GetRequiredService<AuditTrail>();
        var graph = new IdentityGraph(db, time);
        var first = events[0].WorkspaceId;
        // The batch, its checkpoint and the audit entries of the opt-outs and opt-ins it applied
        // commit together. An audit entry's workspace is its actor's, so entries of other workspaces
        // in the same batch (rare) are written right after the commit.
        // Thousands of tracked profiles and identities per batch: scanning them all for changes
        // before every look-up made a batch cost grow with its square, so changes are detected
        // once, before the save.
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        await audit.WriteAsync(platform, db, SystemActor(first), async c =>
        {
            await graph.LoadAsync(events, c);
            foreach (var e in events)
            {
                if (e.UserId is null && e.AnonymousId is null)
                    continue;
                await graph.ApplyAsync(e, c);
            }
            var progress = await db.Progress.FirstOrDefaultAsync(p => p.Consumer == ConsumerName, c);
            if (progress is null)
                db.Progress.Add(new ConsumerProgress { Consumer = ConsumerName, Seq = events[^1].Seq });
            else
                progress.Seq = events[^1].Seq;
            db.ChangeTracker.DetectChanges();
            return (true, ConsentRecords(graph, first));
        }, ct);
        foreach (var ws in graph.ConsentChanges.Select(x => x.Workspace).Where(w => w != first).Distinct())
        {
            foreach (var record in ConsentRecords(graph, ws))
                await audit.RecordAsync(platform, SystemActor(ws), record, ct);
        }
        return true;
    }

    private static IReadOnlyList<AuditRecord> ConsentRecords(IdentityGraph graph, Guid workspace) =>
        graph.ConsentChanges.Where(x => x.Workspace == workspace)
            .Select(x => new AuditRecord(x.OptedOut ? "profile.opted_out" : "profile.opted_in", "profile", x.Profile.ToString(), null,
                $"by the person, with message {x.MessageId}"))
            .ToList();

    internal static Actor SystemActor(Guid workspaceId) =>
        new(ActorKinds.System, ConsumerName, "Profile builder", workspaceId, WorkspaceRole.Owner);

    [LoggerMessage(EventId = 4101, Level = LogLevel.Error, Message = "Applying events after position {Position} to profiles failed; retrying.")]
    private static partial void LogBatchFailed(ILogger logger, Exception e, long position);
}
