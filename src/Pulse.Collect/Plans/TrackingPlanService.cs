using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Quarantine;
using Pulse.Collect.Sources;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Plans;

/// <summary>Tracking plans of sources: mode, published versions, and how often events break them. Every change is audited.</summary>
public sealed class TrackingPlanService
{
    private readonly CollectDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly SourceService _sources;
    private readonly EventStore _events;
    private readonly Platform.Cluster.ICacheSignals _signals;
    private readonly EventLog? _log;

    /// <param name="directory">The server's write-key cache (which holds each source's plan), told of every change; none in the CLI.</param>
    /// <param name="log">The server's log, whose loader the violation report waits for (read-your-writes); none in the CLI.</param>
    internal TrackingPlanService(CollectDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, SourceService sources, EventStore events, Platform.Cluster.ICacheSignals signals, EventLog? log = null)
    {
        _log = log;
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _sources = sources;
        _events = events;
        _signals = signals;
    }

    /// <summary>The plan in force for a source (its newest version), built; null when it has no plan or no version.</summary>
    internal static async Task<ActivePlan?> ActiveAsync(CollectDbContext db, Guid sourceId, CancellationToken ct)
    {
        var plan = await db.TrackingPlans.AsNoTracking().FirstOrDefaultAsync(p => p.SourceId == sourceId, ct);
        if (plan is null)
            return null;
        var newest = await db.TrackingPlanVersions.AsNoTracking().Where(v => v.PlanId == plan.Id)
            .OrderByDescending(v => v.Model).ThenByDescending(v => v.Revision).ThenByDescending(v => v.Addition)
            .FirstOrDefaultAsync(ct);
        if (newest is null)
            return null;
        try
        {
            return new ActivePlan(plan.Mode, plan.AllowUnplannedEvents, PlanCompiler.Get(newest.Id, newest.Version.ToString(), newest.Definitions));
        }
        catch (Exception e) when (e is ValidationException or JsonException)
        {
            // Checked when published; a version that no longer builds (a library change) must not stop ingest.
            return null;
        }
    }

    public async Task<TrackingPlanDto> GetAsync(Actor actor, string source, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var s = await _sources.GetAsync(actor, source, ct);
        var plan = await _db.TrackingPlans.AsNoTracking().FirstOrDefaultAsync(p => p.SourceId == s.Id && p.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("Tracking plan");
        return ToDto(plan, s.Name, await NewestAsync(plan.Id, ct));
    }

    /// <summary>Creates the source's plan, or changes its mode and flag.</summary>
    public async Task<TrackingPlanDto> SetAsync(Actor actor, string source, UpdatePlanRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.TrackingPlansManage);
        var s = await _sources.GetAsync(actor, source, ct);
        var result = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var now = _time.GetUtcNow();
            var plan = await _db.TrackingPlans.FirstOrDefaultAsync(p => p.SourceId == s.Id && p.WorkspaceId == actor.WorkspaceId, c);
            string? before = null;
            var action = "tracking_plan.changed";
            if (plan is null)
            {
                plan = New(actor, s.Id, now);
                _db.TrackingPlans.Add(plan);
                action = "tracking_plan.created";
            }
            else
            {
                before = Summary(plan);
            }
            if (request.Mode is { } mode)
            {
                if (!Enum.IsDefined(mode))
                    throw new ValidationException("mode", "mode must be allow, omit or block.");
                plan.Mode = mode;
            }
            if (request.AllowUnplannedEvents is { } allow)
                plan.AllowUnplannedEvents = allow;
            plan.UpdatedAt = now;
            var newest = await NewestAsync(plan.Id, c);
            return (ToDto(plan, s.Name, newest), (IReadOnlyList<AuditRecord>)[new AuditRecord(action, "tracking_plan", plan.Id.ToString(), before, Summary(plan, s.Name))]);
        }, ct);
        _signals.Announce(Ingest.SourceDirectory.Topic);
        return result;
    }

    /// <summary>Removes the source's plan and its versions; events are no longer checked.</summary>
    public async Task DeleteAsync(Actor actor, string source, CancellationToken ct)
    {
        actor.Demand(Permission.TrackingPlansManage);
        var s = await _sources.GetAsync(actor, source, ct);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var plan = await _db.TrackingPlans.FirstOrDefaultAsync(p => p.SourceId == s.Id && p.WorkspaceId == actor.WorkspaceId, c)
                ?? throw new NotFoundException("Tracking plan");
            var versions = await _db.TrackingPlanVersions.Where(v => v.PlanId == plan.Id).ToListAsync(c);
            _db.TrackingPlanVersions.RemoveRange(versions);
            _db.TrackingPlans.Remove(plan);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("tracking_plan.deleted", "tracking_plan", plan.Id.ToString(), Summary(plan, s.Name), null)]);
        }, ct);
        _signals.Announce(Ingest.SourceDirectory.Topic);
    }

    /// <summary>Publishes a new version (creating the plan, in allow mode, if the source has none); it is in force at once.</summary>
    public async Task<PlanVersionDto> PublishAsync(Actor actor, string source, PublishVersionRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.TrackingPlansManage);
        if (request.Definitions is null)
            throw new ValidationException("definitions", "definitions is required: {\"track\": {\"Event Name\": {\"schema\": {…}}}, \"identify\": …}.");
        if (request.Version is not null && request.Bump is not null)
            throw new ValidationException("version", "Give either version or bump, not both.");
        SchemaVer? explicitVersion = null;
        if (request.Version is not null)
        {
            if (!SchemaVer.TryParse(request.Version, out var v))
                throw new ValidationException("version", "version must be MODEL-REVISION-ADDITION such as 1-0-0 (numbers without leading zeros, MODEL from 1).");
            explicitVersion = v;
        }
        VersionBump? bump = request.Bump?.ToLowerInvariant() switch
        {
            null => null,
            "addition" => VersionBump.Addition,
            "revision" => VersionBump.Revision,
            "model" => VersionBump.Model,
            _ => throw new ValidationException("bump", "bump must be addition, revision or model."),
        };
        var text = JsonSerializer.Serialize(request.Definitions, CollectJsonContext.Default.PlanDefinitions);
        if (text.Length > PlanCompiler.MaxDefinitionsBytes)
            throw new ValidationException("definitions", $"The definitions are {text.Length} characters of JSON; at most {PlanCompiler.MaxDefinitionsBytes} are accepted.");
        PlanCompiler.Compile("check", request.Definitions);

        var s = await _sources.GetAsync(actor, source, ct);
        var result = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var now = _time.GetUtcNow();
            var records = new List<AuditRecord>();
            var plan = await _db.TrackingPlans.FirstOrDefaultAsync(p => p.SourceId == s.Id && p.WorkspaceId == actor.WorkspaceId, c);
            if (plan is null)
            {
                plan = New(actor, s.Id, now);
                _db.TrackingPlans.Add(plan);
                records.Add(new AuditRecord("tracking_plan.created", "tracking_plan", plan.Id.ToString(), null, Summary(plan, s.Name)));
            }
            var newest = await NewestAsync(plan.Id, c);
            SchemaVer version;
            if (explicitVersion is { } ev)
            {
                if (newest is not null && ev <= newest.Version)
                    throw new ValidationException("version", $"version must be above the newest published version, {newest.Version}.");
                version = ev;
            }
            else if (bump is { } b)
            {
                version = newest?.Version.Bump(b) ?? SchemaVer.First;
            }
            else if (newest is null)
            {
                version = SchemaVer.First;
            }
            else
            {
                throw new ValidationException("bump", $"The plan has version {newest.Version}; give the new version or a bump (addition, revision, model).");
            }
            var row = new TrackingPlanVersion
            {
                Id = Guid.CreateVersion7(now),
                PlanId = plan.Id,
                Model = version.Model,
                Revision = version.Revision,
                Addition = version.Addition,
                Definitions = text,
                PublishedAt = now,
                PublishedBy = actor.Name,
            };
            _db.TrackingPlanVersions.Add(row);
            plan.UpdatedAt = now;
            records.Add(new AuditRecord("tracking_plan.version_published", "tracking_plan", plan.Id.ToString(), newest?.Version.ToString(),
                AuditSummary.Of(new { source = s.Name, version = version.ToString(), definitions = Count(request.Definitions) })));
            return (new PlanVersionDto(version.ToString(), now, actor.Name, request.Definitions), (IReadOnlyList<AuditRecord>)records);
        }, ct);
        _signals.Announce(Ingest.SourceDirectory.Topic);
        return result;
    }

    public async Task<IReadOnlyList<PlanVersionSummary>> VersionsAsync(Actor actor, string source, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var plan = await PlanAsync(actor, source, ct);
        var rows = await _db.TrackingPlanVersions.AsNoTracking().Where(v => v.PlanId == plan.Id).ToListAsync(ct);
        return rows.OrderByDescending(v => v.Version)
            .Select(v => new PlanVersionSummary(v.Version.ToString(), v.PublishedAt, v.PublishedBy,
                Count(JsonSerializer.Deserialize(v.Definitions, CollectJsonContext.Default.PlanDefinitions)!)))
            .ToList();
    }

    /// <summary>One version by its number, or <c>current</c> for the newest.</summary>
    public async Task<PlanVersionDto> VersionAsync(Actor actor, string source, string version, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var current = version is "current" or "latest";
        if (!SchemaVer.TryParse(version, out var v) && !current)
            throw new ValidationException("version", "version must be MODEL-REVISION-ADDITION such as 1-0-0, or current.");
        var plan = await PlanAsync(actor, source, ct);
        var row = current
            ? await NewestAsync(plan.Id, ct)
            : await _db.TrackingPlanVersions.AsNoTracking()
                .FirstOrDefaultAsync(x => x.PlanId == plan.Id && x.Model == v.Model && x.Revision == v.Revision && x.Addition == v.Addition, ct);
        if (row is null)
            throw new NotFoundException("Plan version");
        return new PlanVersionDto(row.Version.ToString(), row.PublishedAt, row.PublishedBy,
            JsonSerializer.Deserialize(row.Definitions, CollectJsonContext.Default.PlanDefinitions)!);
    }

    /// <summary>
    /// Events with violations received in [from, to) per call type, event name and plan version: how
    /// many are in the log, how many in quarantine, and the violations by type.
    /// </summary>
    public async Task<ViolationReport> ViolationsAsync(Actor actor, string source, DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        var s = await _sources.GetAsync(actor, source, ct);
        var end = to ?? _time.GetUtcNow();
        var start = from ?? end.AddDays(-7);
        if (start >= end)
            throw new ValidationException("to", "to must be after from.");
        var counts = new Dictionary<(string, string?, string?), (long Events, long Quarantined, Dictionary<string, long> ByType)>();
        void Add(string type, string? ev, string? version, string violations, bool quarantined)
        {
            var key = (type, ev, version);
            if (!counts.TryGetValue(key, out var c))
                c = (0, 0, new Dictionary<string, long>(StringComparer.Ordinal));
            c = quarantined ? (c.Events, c.Quarantined + 1, c.ByType) : (c.Events + 1, c.Quarantined, c.ByType);
            try
            {
                foreach (var v in JsonSerializer.Deserialize(violations, CollectJsonContext.Default.IReadOnlyListPlanViolation) ?? [])
                    c.ByType[v.Type] = c.ByType.GetValueOrDefault(v.Type) + 1;
            }
            catch (JsonException)
            {
                c.ByType["unknown"] = c.ByType.GetValueOrDefault("unknown") + 1;
            }
            counts[key] = c;
        }

        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using (var conn = _events.Open())
        using (var cmd = conn.CreateCommand())
        {
            cmd.CommandText = _events.Sql("SELECT type, event, plan_version, violations FROM all_events WHERE workspace_id = $ws AND source_id = $source "
                + "AND received_at >= $from AND received_at < $to AND violations IS NOT NULL");
            EventStore.Add(cmd, "ws", actor.WorkspaceId);
            EventStore.Add(cmd, "source", s.Id);
            EventStore.Add(cmd, "from", start.UtcDateTime);
            EventStore.Add(cmd, "to", end.UtcDateTime);
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
                Add(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetString(3), false);
        }
        var quarantined = await _db.Quarantine.AsNoTracking()
            .Where(q => q.WorkspaceId == actor.WorkspaceId && q.SourceId == s.Id && q.Status == QuarantineStatus.Pending && q.ReceivedAt >= start && q.ReceivedAt < end)
            .Select(q => new { q.Type, q.Event, q.PlanVersion, q.Reason })
            .ToListAsync(ct);
        foreach (var q in quarantined)
            Add(q.Type ?? "unknown", q.Event, q.PlanVersion, q.Reason, true);
        var items = counts
            .OrderByDescending(kv => kv.Value.Events + kv.Value.Quarantined).ThenBy(kv => kv.Key.Item2, StringComparer.Ordinal)
            .Select(kv => new ViolationCount(kv.Key.Item1, kv.Key.Item2, kv.Key.Item3, kv.Value.Events, kv.Value.Quarantined, kv.Value.ByType))
            .ToList();
        return new ViolationReport(start, end, items);
    }

    private async Task<TrackingPlan> PlanAsync(Actor actor, string source, CancellationToken ct)
    {
        var s = await _sources.GetAsync(actor, source, ct);
        return await _db.TrackingPlans.AsNoTracking().FirstOrDefaultAsync(p => p.SourceId == s.Id && p.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("Tracking plan");
    }

    private async Task<TrackingPlanVersion?> NewestAsync(Guid planId, CancellationToken ct) =>
        await _db.TrackingPlanVersions.AsNoTracking().Where(v => v.PlanId == planId)
            .OrderByDescending(v => v.Model).ThenByDescending(v => v.Revision).ThenByDescending(v => v.Addition)
            .FirstOrDefaultAsync(ct);

    private static TrackingPlan New(Actor actor, Guid sourceId, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        WorkspaceId = actor.WorkspaceId,
        SourceId = sourceId,
        Mode = PlanMode.Allow,
        CreatedAt = now,
        CreatedBy = actor.Name,
        UpdatedAt = now,
    };

    private static int Count(PlanDefinitions d) =>
        (d.Track?.Count ?? 0) + (d.Page?.Count ?? 0) + (d.Screen?.Count ?? 0) + (d.Identify is null ? 0 : 1) + (d.Group is null ? 0 : 1);

    private static string Summary(TrackingPlan p, string? source = null) => AuditSummary.Of(new
    {
        source,
        mode = p.Mode.ToString().ToLowerInvariant(),
        allowUnplannedEvents = p.AllowUnplannedEvents,
    });

    private static TrackingPlanDto ToDto(TrackingPlan p, string source, TrackingPlanVersion? newest) => new(
        p.Id, p.SourceId, source, p.Mode, p.AllowUnplannedEvents, newest?.Version.ToString(), p.CreatedAt, p.CreatedBy, p.UpdatedAt);
}
