using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Collect.Log;
using Pulse.Collect.Storage;
using Npgsql;
using Pulse.Platform.Access;
using Pulse.Platform.Cluster;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;
using Pulse.Platform.Threading;

namespace Pulse.Collect.Profiles;

/// <summary>
/// The log consumer that keeps the identity graph and profiles: it reads the event log in order
/// from its checkpoint and applies each batch in one transaction together with the checkpoint,
/// so every event counts exactly once even after a crash. The checkpoint is also mirrored into the
/// log's consumer table, where the lag is visible.
/// <para>
/// The work is split into partitions by workspace (identities never cross workspaces), one in
/// embedded mode and <see cref="CollectOptions.ProfilePartitions"/> in cluster mode, where each is
/// leased to one node at a time (<see cref="ILeases"/>). A batch of a leased partition commits only
/// while this node still holds the lease with the same epoch (the fence locks the lease row until
/// the commit), and records which node committed which range of the log in <c>consumer_batches</c>.
/// </para>
/// </summary>
internal sealed partial class ProfileBuilder(
    EventLog log, IServiceScopeFactory scopes, ProfileBatches batches, bool cluster, CollectMetrics metrics, TimeProvider time, ILogger<ProfileBuilder> logger,
    ILeases leases, int partitions) : BackgroundService, IProfileProgress
{
    public const string ConsumerName = "profiles";

    /// <summary>
    /// The most events one batch reads. Caught up, a batch is what arrived since the last one (a few,
    /// committed in milliseconds); behind, batches grow to this, because a commit's cost is the index
    /// pages it dirties, and a larger batch dirties each page once for more ids. On SQLite with the
    /// bench's stream (bench/run.sh profiles 600000 N): 2,000 gave 20k events/s, 10,000 26k, 20,000
    /// 30k, at about 0.65 s a batch, which is how long a consent barrier may wait when the builder is behind.
    /// </summary>
    public const int BatchSize = 20_000;
    private static readonly TimeSpan MirrorEvery = TimeSpan.FromSeconds(5);
    private readonly Dictionary<int, PartState> _parts = [];
    private long _position;
    private long _lowest = -1;
    private TaskCompletionSource _progressed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    // The checkpoint mirror being written, if any (one at a time, off the builder's thread).
    private Task _mirroring = Task.CompletedTask;

    private sealed class PartState(int part, long epoch, long position)
    {
        public int Part { get; } = part;
        public long Epoch { get; } = epoch;
        public long Position { get; set; } = position;
        public long Mirrored { get; set; } = -1;
        public long MirroredAt { get; set; }
    }

    /// <summary>The checkpoint name of a partition ("profiles" when there is one, as before partitions existed).</summary>
    public static string ConsumerOf(int part, int partitions) => partitions == 1 ? ConsumerName : $"{ConsumerName}/{part}";

    /// <summary>
    /// The log position up to which this node has applied every partition, or 0 while it does not
    /// hold them all (in a cluster, the lowest of the partitions' checkpoints tells the whole story).
    /// </summary>
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

    /// <summary>Completes when <see cref="Position"/> next moves.</summary>
    public Task Progressed => Volatile.Read(ref _progressed).Task;

    // Its own thread, at normal priority: at the store loader's lowered one (nice 10, about a tenth of
    // a normal thread's share of a busy CPU) it fell behind a sustained 8k events/s on two cores;
    // at normal priority it keeps level with 16k/s and stays ahead of the store in a burst
    // (bench/run.sh ingest), for about 70 ms more on ingest's p99 at that rate.
    private readonly BackgroundScheduler _scheduler = new("pulse-profiles", nice: 0);

    protected override Task ExecuteAsync(CancellationToken stoppingToken) => _scheduler.RunAsync(() => RunAsync(stoppingToken), stoppingToken);

    public override void Dispose()
    {
        base.Dispose();
        _scheduler.Dispose();
    }

    private async Task RunAsync(CancellationToken stoppingToken)
    {
        var group = leases.Join(ConsumerName, partitions);
        metrics.ObserveConsumer(ConsumerName, () => Lag());
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                var changed = group.Changed;
                await FollowLeasesAsync(group.Owned, stoppingToken);
                var worked = _parts.Count > 0 && await StepAsync(stoppingToken);
                Publish();
                if (worked)
                    continue;
                var lowest = _parts.Count == 0 ? long.MaxValue : _parts.Values.Min(p => p.Position);
                // Woken by a commit (read from memory) or a load (read from the store), whichever the read after the position needs.
                var wake = _parts.Count == 0 ? changed : Task.WhenAny(log.WaitForDeliverableAsync(lowest, stoppingToken), changed);
                // A partition's events may be fewer than the log's: a second look bounds the wait.
                await wake.WaitAsync(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogBatchFailed(logger, e, Position);
                // Read the checkpoints again: a failed batch left them where they were.
                _parts.Clear();
                await Task.Delay(TimeSpan.FromSeconds(1), time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Not left writing to a store that is about to close (it never throws).
        await _mirroring;
    }

    private long Lag()
    {
        var lowest = Interlocked.Read(ref _lowest);
        return lowest < 0 ? 0 : Math.Max(0, log.Head - lowest);
    }

    /// <summary>Starts the partitions this node now holds (from their checkpoints) and forgets the others.</summary>
    private async Task FollowLeasesAsync(IReadOnlyDictionary<int, long> owned, CancellationToken ct)
    {
        foreach (var part in _parts.Keys.ToList())
        {
            if (!owned.TryGetValue(part, out var epoch) || epoch != _parts[part].Epoch)
                _parts.Remove(part);
        }
        foreach (var (part, epoch) in owned)
        {
            if (_parts.ContainsKey(part))
                continue;
            _parts[part] = new PartState(part, epoch, await LoadPositionAsync(ConsumerOf(part, partitions), ct));
            // A partition that starts here (again) may have been written by another node meanwhile: its ids are read again.
            batches.ForgetKnown();
        }
    }

    /// <summary>
    /// Reads the next events of every partition this node holds (one read, from the lowest
    /// position) and applies each partition's share as its own batch; false when none had anything to do.
    /// </summary>
    private async Task<bool> StepAsync(CancellationToken ct)
    {
        var started = time.GetTimestamp();
        var read = await log.ReadPartitionsAsync(_parts.Values.Min(p => p.Position), BatchSize, _parts.Keys, partitions, ct);
        // Fewer than a batch: nothing else of these partitions up to the head the read covered.
        var reached = read.Events.Count == BatchSize ? read.Events[^1].Seq : Math.Max(read.Head, read.Events.Count > 0 ? read.Events[^1].Seq : 0);
        var worked = false;
        foreach (var part in _parts.Values.OrderBy(p => p.Part).ToList())
        {
            var events = read.Of(part.Part, part.Position);
            if (events.Count > 0)
            {
                worked = true;
                try
                {
                    await batches.ApplyAsync(ConsumerOf(part.Part, partitions), events,
                        cluster ? (db, c) => FenceAsync(db, part, events, c) : null, ct);
                    metrics.Profiled(events.Count, time.GetElapsedTime(started).TotalSeconds);
                    started = time.GetTimestamp();
                }
                catch (LeaseLostException)
                {
                    // Another node holds the partition now; it goes on from the checkpoint this node committed last.
                    _parts.Remove(part.Part);
                    LogLeaseLost(logger, part.Part);
                    continue;
                }
            }
            if (reached > part.Position)
                part.Position = reached;
            Mirror(part, events.Count == 0, ct);
        }
        return worked;
    }

    /// <summary>
    /// The mirror in the log's table is for people and tools (and where the embedded log starts its
    /// consent barriers again after a restart; being behind the real checkpoint is safe there). It
    /// costs a commit on the store, so it is written at most every few seconds, one at a time, off
    /// the builder's thread: under sustained load the store's commit waited seconds behind the loader's, and
    /// written inline it took a third of the builder's time (a trace of bench/run.sh ingest).
    /// </summary>
    private void Mirror(PartState part, bool idle, CancellationToken ct)
    {
        if (part.Mirrored == part.Position || !_mirroring.IsCompleted || (!idle && time.GetElapsedTime(part.MirroredAt) < MirrorEvery))
            return;
        var (consumer, position) = (ConsumerOf(part.Part, partitions), part.Position);
        part.Mirrored = position;
        part.MirroredAt = time.GetTimestamp();
        _mirroring = Task.Run(() => MirrorAsync(consumer, position, ct), CancellationToken.None);
    }

    private async Task MirrorAsync(string consumer, long position, CancellationToken ct)
    {
        try
        {
            await log.SaveCheckpointAsync(consumer, position, ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            // Written again when the position next moves; until then the mirror is behind, which is safe.
            LogMirrorFailed(logger, e, consumer, position);
        }
    }

    /// <summary>Makes <see cref="Position"/> the lowest position of all partitions when this node holds them all.</summary>
    private void Publish()
    {
        Interlocked.Exchange(ref _lowest, _parts.Count == 0 ? -1 : _parts.Values.Min(p => p.Position));
        var all = _parts.Count == partitions ? _parts.Values.Min(p => p.Position) : 0;
        if (Interlocked.Exchange(ref _position, all) != all)
        {
            log.ConsentApplied(all);
            Interlocked.Exchange(ref _progressed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private async Task<long> LoadPositionAsync(string consumer, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<ProfilesDbContext>();
        return await db.Progress.AsNoTracking().Where(p => p.Consumer == consumer).Select(p => (long?)p.Seq).FirstOrDefaultAsync(ct) ?? 0;
    }

    /// <summary>
    /// Inside the batch's transaction: goes on only while this node holds the partition's lease with
    /// the epoch it started with, keeping the lease row locked until the commit, and records the range.
    /// </summary>
    private async Task FenceAsync(ProfilesDbContext db, PartState part, IReadOnlyList<LoggedEvent> events, CancellationToken ct)
    {
        var c = (NpgsqlConnection)db.Database.GetDbConnection();
        var tx = (NpgsqlTransaction)db.Database.CurrentTransaction!.GetDbTransaction();
        await using (var fence = new NpgsqlCommand(PostgresLeases.FenceSql, c, tx))
        {
            fence.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ConsumerName });
            fence.Parameters.Add(new NpgsqlParameter<int> { TypedValue = part.Part });
            fence.Parameters.Add(new NpgsqlParameter<string> { TypedValue = leases.Owner });
            fence.Parameters.Add(new NpgsqlParameter<long> { TypedValue = part.Epoch });
            if (await fence.ExecuteScalarAsync(ct) is null)
                throw new LeaseLostException();
        }
        await using var record = new NpgsqlCommand(
            "INSERT INTO consumer_batches (grp, part, first_seq, last_seq, node, epoch) VALUES ($1, $2, $3, $4, $5, $6)", c, tx);
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = ConsumerName });
        record.Parameters.Add(new NpgsqlParameter<int> { TypedValue = part.Part });
        record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events[0].Seq });
        record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = events[^1].Seq });
        record.Parameters.Add(new NpgsqlParameter<string> { TypedValue = leases.Owner });
        record.Parameters.Add(new NpgsqlParameter<long> { TypedValue = part.Epoch });
        await record.ExecuteNonQueryAsync(ct);
    }

    private sealed class LeaseLostException() : Exception("This node no longer holds the partition's lease.");

    [LoggerMessage(EventId = 2301, Level = LogLevel.Error, Message = "Applying events after position {Position} to profiles failed; retrying.")]
    private static partial void LogBatchFailed(ILogger logger, Exception e, long position);

    [LoggerMessage(EventId = 2302, Level = LogLevel.Warning, Message = "Partition {Part} of the profiles moved to another node before this node's batch committed; the batch was rolled back.")]
    private static partial void LogLeaseLost(ILogger logger, int part);

    [LoggerMessage(EventId = 2303, Level = LogLevel.Warning, Message = "Mirroring the profiles' checkpoint {Consumer} at {Position} into the log's table failed; it is written again when the position next moves.")]
    private static partial void LogMirrorFailed(ILogger logger, Exception e, string consumer, long position);
}
