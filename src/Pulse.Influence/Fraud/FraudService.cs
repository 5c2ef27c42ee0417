using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Commissions;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Fraud;

/// <summary>Fraud flags: listed with their evidence (InfluenceRead), resolved by a person (PayoutsManage), every decision audited.</summary>
public sealed class FraudService
{
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;

    internal FraudService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
    }

    public async Task<IReadOnlyList<FraudFlagDto>> ListAsync(Actor actor, string? state, Guid? creatorId, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        if (state is not (null or "open" or "approved" or "rejected" or "banned"))
            throw new ValidationException("state", "state is open, approved, rejected or banned.");
        var q = _db.FraudFlags.AsNoTracking().Where(f => f.WorkspaceId == actor.WorkspaceId);
        if (state is not null)
            q = q.Where(f => f.State == state);
        if (creatorId is { } creator)
            q = q.Where(f => f.CreatorId == creator);
        var rows = await q.OrderByDescending(f => f.Id).Take(1000).ToListAsync(ct);
        return await ToDtosAsync(rows, ct);
    }

    /// <summary>approve: not fraud, the conversion's held commissions go back to pending; reject: they are cancelled; ban: cancelled and the creator banned.</summary>
    public async Task<FraudFlagDto> ResolveAsync(Actor actor, Guid id, ResolveFlagRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var action = r.Action?.Trim().ToLowerInvariant();
        if (action is not ("approve" or "reject" or "ban"))
            throw new ValidationException("action", "action is approve (not fraud), reject (cancel the commissions) or ban (and ban the creator).");
        if (r.Note is { Length: > 500 })
            throw new ValidationException("note", "note is at most 500 characters.");
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var flag = await _db.FraudFlags.FirstOrDefaultAsync(f => f.Id == id && f.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The flag");
            if (flag.State != "open")
                throw new ConflictException($"The flag was already resolved ({flag.State}) by {flag.ResolvedBy}.");
            var now = _time.GetUtcNow();
            (flag.State, flag.ResolvedBy, flag.ResolvedAt) = (action == "approve" ? "approved" : action == "reject" ? "rejected" : "banned", actor.Name, now);
            var records = new List<AuditRecord> { new("fraud." + action, "fraud_flag", flag.Id.ToString(), "open", AuditSummary.Of(new { flag.Rule, flag.Score, creator = flag.CreatorId, note = r.Note })) };
            // What the flag holds: its conversion's commissions, or for a flag on the creator (a duplicate account) all of theirs on hold.
            // Approving releases only what no other open flag still holds.
            var creatorFlags = await _db.FraudFlags.Where(f => f.CreatorId == flag.CreatorId && f.ConversionId == null && f.State == "open" && f.Id != flag.Id).AnyAsync(c);
            var held = flag.ConversionId is { } conversion
                ? await _db.Commissions.Where(k => k.ConversionId == conversion && k.State == CommissionStates.OnHold).ToListAsync(c)
                : await _db.Commissions.Where(k => k.CreatorId == flag.CreatorId && k.State == CommissionStates.OnHold).ToListAsync(c);
            var stillOpen = (await _db.FraudFlags.Where(f => f.CreatorId == flag.CreatorId && f.ConversionId != null && f.State == "open" && f.Id != flag.Id)
                .Select(f => f.ConversionId!.Value).ToListAsync(c)).ToHashSet();
            foreach (var k in held)
            {
                if (action == "approve" && (creatorFlags || k.ConversionId is { } kc && stillOpen.Contains(kc)))
                    continue;
                (k.State, k.UpdatedAt) = (action == "approve" ? CommissionStates.Pending : CommissionStates.Cancelled, now);
                k.Note = $"{flag.Rule}: {flag.State} by {actor.Name}" + (r.Note is { Length: > 0 } n ? " – " + n : "");
            }
            if (action == "ban")
            {
                var creator = await _db.Creators.FirstAsync(x => x.Id == flag.CreatorId, c);
                records.Add(new AuditRecord("creator.banned", "creator", creator.Id.ToString(), creator.Status.ToString(), "Banned"));
                (creator.Status, creator.UpdatedAt) = (CreatorStatus.Banned, now);
            }
            return ((await ToDtosAsync([flag], c))[0], (IReadOnlyList<AuditRecord>)records);
        }, ct);
    }

    private async Task<List<FraudFlagDto>> ToDtosAsync(List<FraudFlag> rows, CancellationToken ct)
    {
        var creators = rows.Select(f => f.CreatorId).Distinct().ToList();
        var names = await _db.Creators.AsNoTracking().Where(c => creators.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var conversions = rows.Where(f => f.ConversionId is not null).Select(f => f.ConversionId!.Value).Distinct().ToList();
        var orders = await _db.Conversions.AsNoTracking().Where(c => conversions.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.OrderId, ct);
        return rows.Select(f => new FraudFlagDto(f.Id, f.CreatorId, names.GetValueOrDefault(f.CreatorId), f.ConversionId,
            f.ConversionId is { } cid ? orders.GetValueOrDefault(cid) : null, f.Rule, f.Score, f.Evidence, f.State, f.CreatedAt, f.ResolvedBy, f.ResolvedAt)).ToList();
    }
}
