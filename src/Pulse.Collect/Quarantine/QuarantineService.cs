using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Plans;
using Pulse.Collect.Sources;
using Pulse.Collect.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Quarantine;

/// <summary>Lists, replays and deletes quarantined messages. Replays and deletions are audited.</summary>
public sealed class QuarantineService
{
    private const string CursorKind = "quarantine";
    private const int ReplayChunk = 500;
    private const int ReplayMax = 100_000;
    private readonly CollectDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly SourceService _sources;
    private readonly EventLog? _log;
    private readonly Enricher? _enricher;
    private readonly SourceDirectory? _directory;

    /// <param name="log">The running log; replay needs it, so the CLI replays through the server.</param>
    internal QuarantineService(CollectDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, SourceService sources,
        EventLog? log, Enricher? enricher, SourceDirectory? directory)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _sources = sources;
        _log = log;
        _enricher = enricher;
        _directory = directory;
    }

    /// <summary>Quarantined messages, newest first. <paramref name="status"/>: pending, replayed or null for both.</summary>
    public async Task<Page<QuarantineDto>> ListAsync(Actor actor, string? source, string? status, string? kind, string? @event, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.EventsRead);
        var query = await FilterAsync(actor, source, @event, kind, ct);
        if (status is not null)
        {
            if (status is not (QuarantineStatus.Pending or QuarantineStatus.Replayed))
                throw new ValidationException("status", "status must be pending or replayed.");
            query = query.Where(q => q.Status == status);
        }
        return await query.PageAsync(q => q.Id, CursorKind, page, ToDto, ct);
    }

    public async Task<QuarantineDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.EventsRead);
        var row = await _db.Quarantine.AsNoTracking().FirstOrDefaultAsync(q => q.Id == id && q.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("Quarantined message");
        return ToDto(row);
    }

    /// <summary>How many messages wait in quarantine, per source id.</summary>
    public async Task<IReadOnlyDictionary<Guid, int>> PendingCountsAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.EventsRead);
        var counts = await _db.Quarantine.AsNoTracking().Where(q => q.WorkspaceId == actor.WorkspaceId && q.Status == QuarantineStatus.Pending)
            .GroupBy(q => q.SourceId).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(ct);
        return counts.ToDictionary(c => c.Key, c => c.Count);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.TrackingPlansManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Quarantine.FirstOrDefaultAsync(q => q.Id == id && q.WorkspaceId == actor.WorkspaceId, c)
                ?? throw new NotFoundException("Quarantined message");
            _db.Quarantine.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("quarantine.deleted", "quarantine", row.Id.ToString(),
                AuditSummary.Of(new { source = row.SourceId, kind = row.Kind, status = row.Status, type = row.Type, @event = row.Event, messageId = row.MessageId }), null)]);
        }, ct);
    }

    /// <summary>
    /// Checks the chosen pending messages again against the source's current plan (and, for invalid
    /// ones, the message checks); those that pass now go into the log and are marked replayed, the
    /// others keep waiting with the new reason.
    /// </summary>
    public async Task<ReplayResult> ReplayAsync(Actor actor, ReplayRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.TrackingPlansManage);
        if (request.Id is null && string.IsNullOrEmpty(request.Source))
            throw new ValidationException("source", "Give the id of one message, or a source (and optionally event or kind) to replay its pending messages.");
        if (_log is null || _enricher is null || _directory is null)
            throw new ConflictException("Replay writes into the event log, which only the running server holds; run it with the server started.");
        IQueryable<QuarantinedEvent> query;
        if (request.Id is { } id)
        {
            query = _db.Quarantine.Where(q => q.Id == id && q.WorkspaceId == actor.WorkspaceId);
            if (!await query.AnyAsync(ct))
                throw new NotFoundException("Quarantined message");
        }
        else
        {
            query = await FilterAsync(actor, request.Source, request.Event, request.Kind, ct, tracking: true);
        }
        query = query.Where(q => q.Status == QuarantineStatus.Pending);

        var plans = new Dictionary<Guid, ActivePlan?>();
        var sources = new Dictionary<Guid, IngestSource?>();
        var builder = new MessageBuilder(_enricher);
        var replayed = 0;
        var duplicates = 0;
        var failing = 0;
        Guid? after = null;
        while (replayed + failing < ReplayMax)
        {
            var q = after is { } a ? query.Where(x => x.Id > a) : query;
            var rows = await q.OrderBy(x => x.Id).Take(ReplayChunk).ToListAsync(ct);
            if (rows.Count == 0)
                break;
            after = rows[^1].Id;
            var now = _time.GetUtcNow();
            var passed = new List<(QuarantinedEvent Row, LogRecord Record)>();
            var stillFailing = new List<QuarantinedEvent>();
            foreach (var row in rows)
            {
                if (!plans.TryGetValue(row.SourceId, out var plan))
                    plans[row.SourceId] = plan = await TrackingPlanService.ActiveAsync(_db, row.SourceId, ct);
                using var doc = JsonDocument.Parse(row.Raw);
                var message = doc.RootElement;
                LogRecord? record;
                if (row.Kind == QuarantineKinds.Blocked)
                {
                    record = FromRow(row);
                }
                else
                {
                    if (!sources.TryGetValue(row.SourceId, out var source))
                        sources[row.SourceId] = source = await SourceOfAsync(row.SourceId, ct);
                    string? reason = "the source no longer exists";
                    record = source is null ? null
                        : builder.Build(message, new RequestFacts(null, row.ReceivedAt, null, null, null, null), source, out reason);
                    if (record is null)
                    {
                        Fail(row, QuarantineStore.InvalidReason(reason!), null, now, stillFailing);
                        continue;
                    }
                }
                if (plan is not null)
                {
                    var violations = PlanValidator.Apply(plan, record, message);
                    if (violations is not null && plan.Mode == PlanMode.Block)
                    {
                        Fail(row, PlanValidator.Serialize(violations), plan.Version.Version, now, stillFailing);
                        continue;
                    }
                }
                else
                {
                    record.PlanVersion = null;
                    record.Violations = null;
                }
                passed.Add((row, record));
            }
            if (passed.Count > 0)
            {
                var records = passed.Select(p => p.Record).ToList();
                foreach (var r in records)
                    _log.Prepare(r);
                try
                {
                    duplicates += await _log.AppendAsync(records, ct);
                }
                catch (LogUnavailableException e)
                {
                    throw new ConflictException("The event log could not take the replayed events: " + e.Message);
                }
                foreach (var (row, _) in passed)
                {
                    row.Status = QuarantineStatus.Replayed;
                    row.ReplayedAt = now;
                    row.UpdatedAt = now;
                }
            }
            replayed += passed.Count;
            failing += stillFailing.Count;
            var chunkReplayed = passed.Count;
            var chunkFailing = stillFailing.Count;
            await _audit.WriteAsync(_platform, _db, actor, _ => Task.FromResult<(bool, IReadOnlyList<AuditRecord>)>((true,
                [new AuditRecord("quarantine.replayed", "quarantine", request.Id?.ToString(), null,
                    AuditSummary.Of(new { id = request.Id, source = request.Source, @event = request.Event, kind = request.Kind, replayed = chunkReplayed, stillFailing = chunkFailing }))])), ct);
            _db.ChangeTracker.Clear();
            if (request.Id is not null)
                break;
        }
        return new ReplayResult(replayed, duplicates, failing);
    }

    /// <summary>Deletes the quarantined messages of these people (data-subject erasure); returns how many.</summary>
    internal async Task<int> EraseAsync(Guid workspaceId, IReadOnlyCollection<string> userIds, IReadOnlyCollection<string> anonymousIds, CancellationToken ct)
    {
        var users = userIds.ToList();
        var anonymous = anonymousIds.ToList();
        return await _db.Quarantine
            .Where(q => q.WorkspaceId == workspaceId && ((q.UserId != null && users.Contains(q.UserId)) || (q.AnonymousId != null && anonymous.Contains(q.AnonymousId))))
            .ExecuteDeleteAsync(ct);
    }

    /// <summary>The quarantined messages of these people (data-subject export), oldest first.</summary>
    internal async Task<IReadOnlyList<QuarantineDto>> ExportAsync(Guid workspaceId, IReadOnlyCollection<string> userIds, IReadOnlyCollection<string> anonymousIds, CancellationToken ct)
    {
        var users = userIds.ToList();
        var anonymous = anonymousIds.ToList();
        var rows = await _db.Quarantine.AsNoTracking()
            .Where(q => q.WorkspaceId == workspaceId && ((q.UserId != null && users.Contains(q.UserId)) || (q.AnonymousId != null && anonymous.Contains(q.AnonymousId))))
            .OrderBy(q => q.Id)
            .ToListAsync(ct);
        return rows.Select(ToDto).ToList();
    }

    private static void Fail(QuarantinedEvent row, string reason, string? planVersion, DateTimeOffset now, List<QuarantinedEvent> failing)
    {
        row.Reason = reason;
        row.PlanVersion = planVersion ?? row.PlanVersion;
        row.UpdatedAt = now;
        failing.Add(row);
    }

    private async Task<IngestSource?> SourceOfAsync(Guid sourceId, CancellationToken ct)
    {
        var key = await _db.Sources.AsNoTracking().Where(s => s.Id == sourceId).Select(s => s.WriteKey).FirstOrDefaultAsync(ct);
        return key is null ? null : await _directory!.FindAsync(key, ct);
    }

    private async Task<IQueryable<QuarantinedEvent>> FilterAsync(Actor actor, string? source, string? @event, string? kind, CancellationToken ct, bool tracking = false)
    {
        var query = (tracking ? _db.Quarantine : _db.Quarantine.AsNoTracking()).Where(q => q.WorkspaceId == actor.WorkspaceId);
        if (!string.IsNullOrEmpty(source))
        {
            var id = (await _sources.GetAsync(actor, source, ct)).Id;
            query = query.Where(q => q.SourceId == id);
        }
        if (!string.IsNullOrEmpty(@event))
        {
            if (@event.Length > MessageBuilder.MaxEventNameLength)
                throw new ValidationException("event", $"event must be at most {MessageBuilder.MaxEventNameLength} characters.");
            query = query.Where(q => q.Event == @event);
        }
        if (!string.IsNullOrEmpty(kind))
        {
            if (kind is not (QuarantineKinds.Blocked or QuarantineKinds.Invalid))
                throw new ValidationException("kind", "kind must be blocked or invalid.");
            query = query.Where(q => q.Kind == kind);
        }
        return query;
    }

    private static LogRecord FromRow(QuarantinedEvent row) => new()
    {
        WorkspaceId = row.WorkspaceId,
        SourceId = row.SourceId,
        MessageId = row.MessageId!,
        Type = row.Type!,
        Event = row.Event,
        UserId = row.UserId,
        AnonymousId = row.AnonymousId,
        GroupId = row.GroupId,
        PreviousId = row.PreviousId,
        Timestamp = (row.Timestamp ?? row.ReceivedAt).UtcDateTime,
        OriginalTimestamp = row.OriginalTimestamp?.UtcDateTime,
        SentAt = row.SentAt?.UtcDateTime,
        ReceivedAt = row.ReceivedAt.UtcDateTime,
        Enrichment = row.Enrichment is null ? new EventEnrichment() : JsonSerializer.Deserialize(row.Enrichment, CollectJsonContext.Default.EventEnrichment)!,
        Consent = row.Consent,
        Raw = System.Text.Encoding.UTF8.GetBytes(row.Raw),
    };

    private static QuarantineDto ToDto(QuarantinedEvent q)
    {
        IReadOnlyList<PlanViolation> reason;
        try
        {
            reason = JsonSerializer.Deserialize(q.Reason, CollectJsonContext.Default.IReadOnlyListPlanViolation) ?? [];
        }
        catch (JsonException)
        {
            reason = [new PlanViolation(ViolationTypes.Invalid, "$", q.Reason)];
        }
        JsonElement message;
        using (var doc = JsonDocument.Parse(q.Raw))
            message = doc.RootElement.Clone();
        return new QuarantineDto(q.Id, q.SourceId, q.Kind, q.Status, q.MessageId, q.Type, q.Event, q.UserId, q.AnonymousId, q.ReceivedAt,
            q.PlanVersion, reason, message, q.UpdatedAt, q.ReplayedAt);
    }
}
