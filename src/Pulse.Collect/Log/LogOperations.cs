using Microsoft.Extensions.Options;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log;

/// <summary>
/// What an operator does to the event log itself: apply <c>Collect:RetentionDays</c> now, and list
/// or replay the events the store set aside. The API (<c>/api/v1/events/prune</c>, <c>/set-aside</c>)
/// and the CLI (<c>pulse events prune|set-aside</c> with no server running) both come here.
/// </summary>
public sealed class LogOperations
{
    private readonly EventLog _log;
    private readonly EventStore _store;
    private readonly CollectOptions _options;
    private readonly TimeProvider _time;
    private readonly AuditTrail _audit;
    private readonly PulseDbContext _db;

    internal LogOperations(EventLog log, EventStore store, IOptions<CollectOptions> options, TimeProvider time, AuditTrail audit, PulseDbContext db)
    {
        _log = log;
        _store = store;
        _options = options.Value;
        _time = time;
        _audit = audit;
        _db = db;
    }

    /// <summary>
    /// Removes the events received before the first UTC day <c>Collect:RetentionDays</c> keeps (per source and day in
    /// embedded mode, whole day partitions in cluster mode), or on a dry run reports what would go.
    /// Server-wide, so only the operator at the machine (<see cref="ActorKinds.Cli"/>) may.
    /// </summary>
    public async Task<PruneReport> PruneAsync(Actor actor, bool dryRun, IProgress<long>? progress, CancellationToken ct)
    {
        actor.Demand(Permission.EventsManage);
        if (actor.Kind != ActorKinds.Cli)
            throw new ForbiddenException("Pruning the log is server-wide; run 'pulse events prune' on the server's machine.");
        var cutoff = Retention.Cutoff(_options.RetentionDays, _time.GetUtcNow())
            ?? throw new ValidationException("retentionDays", "Collect:RetentionDays is 0 (keep everything): there is nothing to prune.");
        return _store is PostgresEventStore pg
            ? await ClusterPrune.RunAsync(pg, cutoff, dryRun, ct)
            : await _log.PruneAsync(cutoff, dryRun, progress, ct);
    }

    /// <summary>The workspace's set-aside events, oldest first (empty in cluster mode).</summary>
    public IReadOnlyList<SetAsideDto> SetAside(Actor actor, int limit)
    {
        actor.Demand(Permission.EventsManage);
        return _log.ListSetAside(actor.WorkspaceId, Math.Clamp(limit, 1, 1000));
    }

    /// <summary>
    /// Tries the workspace's set-aside events again (all, or the one at <paramref name="seq"/>): each
    /// the store now takes is appended under a new sequence number. Audited.
    /// </summary>
    public async Task<SetAsideReplayResult> ReplaySetAsideAsync(Actor actor, long? seq, CancellationToken ct)
    {
        actor.Demand(Permission.EventsManage);
        var result = await _log.ReplaySetAsideAsync(actor.WorkspaceId, seq, ct);
        await _audit.RecordAsync(_db, actor, new AuditRecord("events.set_aside_replayed", "events", seq?.ToString(System.Globalization.CultureInfo.InvariantCulture), null,
            AuditSummary.Of(new { result.Replayed, result.Duplicates, result.StillFailing })), ct);
        return result;
    }
}
