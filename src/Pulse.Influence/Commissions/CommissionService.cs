using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Commissions;

/// <summary>
/// Programs, their commissions and payouts. Changing a program needs InfluenceManage; approving,
/// holding, rejecting, manual commissions and payouts need PayoutsManage, and every one is audited.
/// </summary>
public sealed partial class CommissionService
{
    private const string CursorKind = "commissions";
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly IDataProtector _payouts;
    private readonly Pulse.Platform.Webhooks.OutboundTargets? _targets;

    internal CommissionService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, IDataProtectionProvider protection,
        Pulse.Platform.Webhooks.OutboundTargets? targets = null)
    {
        _targets = targets;
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _payouts = protection.CreateProtector(CreatorService.PayoutPurpose);
    }

    public async Task<ProgramDto> CreateProgramAsync(Actor actor, ProgramRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var now = _time.GetUtcNow();
        var row = new AffiliateProgram { Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, Name = "", Currency = "", Rules = "[]", CreatedAt = now, CreatedBy = actor.Name, UpdatedAt = now, Enabled = true, HoldDays = 30 };
        var members = await ApplyAsync(actor, row, r, creating: true, ct);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Programs.AnyAsync(p => p.WorkspaceId == actor.WorkspaceId && p.Name == row.Name, c))
                throw new ConflictException($"The workspace already has a program named {row.Name}.");
            _db.Programs.Add(row);
            foreach (var m in members)
                _db.ProgramMembers.Add(new ProgramMember { ProgramId = row.Id, CreatorId = m, JoinedAt = now });
            return (ToDto(row, members), (IReadOnlyList<AuditRecord>)[new AuditRecord("program.created", "program", row.Id.ToString(), null, Summary(row, members))]);
        }, ct);
    }

    public async Task<ProgramDto> UpdateProgramAsync(Actor actor, Guid id, ProgramRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Programs.FirstOrDefaultAsync(p => p.Id == id && p.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The program");
            var old = await _db.ProgramMembers.Where(m => m.ProgramId == id).ToListAsync(c);
            var before = Summary(row, old.Select(m => m.CreatorId).ToList());
            var members = await ApplyAsync(actor, row, r, creating: false, c);
            if (r.CreatorIds is not null)
            {
                _db.ProgramMembers.RemoveRange(old.Where(m => !members.Contains(m.CreatorId)));
                foreach (var m in members.Where(m => old.All(o => o.CreatorId != m)))
                    _db.ProgramMembers.Add(new ProgramMember { ProgramId = row.Id, CreatorId = m, JoinedAt = _time.GetUtcNow() });
            }
            else
                members = old.Select(m => m.CreatorId).ToList();
            row.UpdatedAt = _time.GetUtcNow();
            return (ToDto(row, members), (IReadOnlyList<AuditRecord>)[new AuditRecord("program.updated", "program", row.Id.ToString(), before, Summary(row, members))]);
        }, ct);
    }

    public async Task<IReadOnlyList<ProgramDto>> ListProgramsAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var rows = await _db.Programs.AsNoTracking().Where(p => p.WorkspaceId == actor.WorkspaceId).OrderBy(p => p.Name).ToListAsync(ct);
        var ids = rows.Select(p => p.Id).ToList();
        var members = (await _db.ProgramMembers.AsNoTracking().Where(m => ids.Contains(m.ProgramId)).ToListAsync(ct)).ToLookup(m => m.ProgramId, m => m.CreatorId);
        return rows.Select(p => ToDto(p, members[p.Id].ToList())).ToList();
    }

    private async Task<List<Guid>> ApplyAsync(Actor actor, AffiliateProgram row, ProgramRequest r, bool creating, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (creating || r.Name is not null)
        {
            var name = r.Name?.Trim();
            if (string.IsNullOrEmpty(name) || name.Length > 200 || name.Any(char.IsControl))
                errors["name"] = ["name is 1 to 200 characters."];
            else
                row.Name = name;
        }
        if (creating || r.Currency is not null)
            row.Currency = CommissionRules.Currency(r.Currency, errors) ?? row.Currency;
        if (creating || r.Rules is not null)
            row.Rules = JsonSerializer.Serialize(CommissionRules.Check(r.Rules, errors), CommissionsStoreJson.Default.ListCommissionRuleDto);
        if (r.HoldDays is { } hold)
        {
            if (hold is < 0 or > 365)
                errors["holdDays"] = ["holdDays (the refund window) is 0 to 365."];
            else
                row.HoldDays = hold;
        }
        if (r.Enabled is { } enabled)
            row.Enabled = enabled;
        if (r.LandingDomains is { } domains)
            row.LandingDomains = Partners.LandingDomains.Check(domains, errors);
        var members = (r.CreatorIds ?? []).Distinct().ToList();
        if (members.Count > 10_000)
            errors["creatorIds"] = ["At most 10,000 creators per program."];
        else if (members.Count > 0)
        {
            var known = await _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId && members.Contains(c.Id)).Select(c => c.Id).ToListAsync(ct);
            if (members.Except(known).FirstOrDefault() is var missing && missing != Guid.Empty)
                errors["creatorIds"] = [$"No creator {missing} in this workspace."];
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return members;
    }

    public async Task<Page<CommissionDto>> ListAsync(Actor actor, Guid? creatorId, string? state, Guid? programId, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        if (state is not null && !CommissionStates.All.Contains(state))
            throw new ValidationException("state", $"state is one of {string.Join(", ", CommissionStates.All)}.");
        var q = _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId);
        if (creatorId is { } creator)
            q = q.Where(k => k.CreatorId == creator);
        if (state is not null)
            q = q.Where(k => k.State == state);
        if (programId is { } program)
            q = q.Where(k => k.ProgramId == program);
        if (page.Cursor is { } cursor)
        {
            var before = Cursor.DecodeGuid(CursorKind, cursor);
            q = q.Where(k => k.Id < before);
        }
        var rows = await q.OrderByDescending(k => k.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = await ToDtosAsync(rows.Take(page.Limit).ToList(), ct);
        return new Page<CommissionDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    /// <summary>Approve (once the holding period is over), hold, release (back to pending) or reject commissions, each change audited.</summary>
    public async Task<CommissionActionResult> ActAsync(Actor actor, CommissionActionRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var action = r.Action?.Trim().ToLowerInvariant();
        if (action is not ("approve" or "hold" or "release" or "reject"))
            throw new ValidationException("action", "action is approve, hold, release or reject.");
        if (r.Ids is not { Count: > 0 and <= 10_000 })
            throw new ValidationException("ids", "Give 1 to 10,000 commission ids.");
        if (r.Note is { Length: > 500 })
            throw new ValidationException("note", "note is at most 500 characters.");
        var ids = r.Ids.Distinct().ToList();
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var rows = await _db.Commissions.Where(k => k.WorkspaceId == actor.WorkspaceId && ids.Contains(k.Id)).ToListAsync(c);
            var now = _time.GetUtcNow();
            var records = new List<AuditRecord>();
            var found = rows.Select(k => k.Id).ToHashSet();
            var skipped = ids.Where(id => !found.Contains(id)).ToList();
            foreach (var k in rows)
            {
                var next = (action, k.State) switch
                {
                    ("approve", CommissionStates.Pending or CommissionStates.OnHold) when k.AvailableAt <= now => CommissionStates.Approved,
                    ("hold", CommissionStates.Pending or CommissionStates.Approved) => CommissionStates.OnHold,
                    ("release", CommissionStates.OnHold) => CommissionStates.Pending,
                    ("reject", CommissionStates.Pending or CommissionStates.OnHold or CommissionStates.Approved) => CommissionStates.Cancelled,
                    _ => null,
                };
                if (next is null)
                {
                    skipped.Add(k.Id);
                    continue;
                }
                records.Add(new AuditRecord("commission." + action, "commission", k.Id.ToString(), k.State,
                    AuditSummary.Of(new { state = next, k.Amount, k.Currency, creator = k.CreatorId, note = r.Note })));
                (k.State, k.UpdatedAt) = (next, now);
                if (r.Note is { Length: > 0 } note)
                    k.Note = note;
            }
            return (new CommissionActionResult(records.Count, skipped), (IReadOnlyList<AuditRecord>)records);
        }, ct);
    }

    /// <summary>Approves every pending commission whose holding period is over (the monthly run).</summary>
    public async Task<CommissionActionResult> ApproveDueAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var now = _time.GetUtcNow();
        var due = await _db.Commissions.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId && k.State == CommissionStates.Pending && k.AvailableAt <= now)
            .Select(k => k.Id).Take(10_000).ToListAsync(ct);
        return due.Count == 0 ? new CommissionActionResult(0, []) : await ActAsync(actor, new CommissionActionRequest(due, "approve"), ct);
    }

    /// <summary>A bonus, or a correction when negative: approved at once, audited.</summary>
    public async Task<CommissionDto> AddManualAsync(Actor actor, ManualCommissionRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.PayoutsManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        if (r.Amount is not { } amount || amount == 0 || decimal.Round(amount, 2) != amount || Math.Abs(amount) > 1_000_000)
            errors["amount"] = ["amount is a non-zero sum with at most 2 decimals (negative for a correction), at most 1,000,000."];
        if (string.IsNullOrWhiteSpace(r.Note) || r.Note.Length > 500)
            errors["note"] = ["note (why) is required, at most 500 characters."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        var program = await _db.Programs.AsNoTracking().FirstOrDefaultAsync(p => p.Id == r.ProgramId && p.WorkspaceId == actor.WorkspaceId, ct) ?? throw new NotFoundException("The program");
        if (!await _db.ProgramMembers.AnyAsync(m => m.ProgramId == program.Id && m.CreatorId == r.CreatorId, ct))
            throw new ValidationException("creatorId", "The creator is not in this program.");
        var currency = r.Currency is null ? program.Currency : CommissionRules.Currency(r.Currency, errors);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        var now = _time.GetUtcNow();
        var row = new Commission
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, ProgramId = program.Id, CreatorId = r.CreatorId!.Value, Kind = "manual", RateType = "flat",
            Rate = r.Amount!.Value, Base = 0, Amount = r.Amount.Value, Currency = currency!, State = CommissionStates.Approved, EarnedAt = now, AvailableAt = now,
            Note = r.Note!.Trim(), UpdatedAt = now,
        };
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            _db.Commissions.Add(row);
            return ((await ToDtosAsync([row], c))[0], (IReadOnlyList<AuditRecord>)[new AuditRecord("commission.manual", "commission", row.Id.ToString(), null,
                AuditSummary.Of(new { row.Amount, row.Currency, creator = row.CreatorId, program = row.ProgramId, row.Note }))]);
        }, ct);
    }

    internal async Task<List<CommissionDto>> ToDtosAsync(List<Commission> rows, CancellationToken ct)
    {
        var creators = rows.Select(k => k.CreatorId).Distinct().ToList();
        var names = await _db.Creators.AsNoTracking().Where(c => creators.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.Name, ct);
        var conversions = rows.Where(k => k.ConversionId is not null).Select(k => k.ConversionId!.Value).Distinct().ToList();
        var orders = await _db.Conversions.AsNoTracking().Where(c => conversions.Contains(c.Id)).ToDictionaryAsync(c => c.Id, c => c.OrderId, ct);
        return rows.Select(k => new CommissionDto(k.Id, k.ProgramId, k.CreatorId, names.GetValueOrDefault(k.CreatorId), k.ConversionId,
            k.ConversionId is { } cid ? orders.GetValueOrDefault(cid) : null, k.Kind, k.RateType, k.Rate, k.Base, k.Amount, k.Currency, k.State, k.EarnedAt, k.AvailableAt,
            k.PayoutId, k.Note)).ToList();
    }

    private static ProgramDto ToDto(AffiliateProgram p, List<Guid> members) =>
        new(p.Id, p.Name, p.Currency, p.HoldDays, JsonSerializer.Deserialize(p.Rules, CommissionsStoreJson.Default.ListCommissionRuleDto) ?? [], p.Enabled, members, p.CreatedAt, Partners.LandingDomains.Split(p.LandingDomains));

    private static string Summary(AffiliateProgram p, List<Guid> members) =>
        AuditSummary.Of(new { p.Name, p.Currency, p.HoldDays, p.Enabled, rules = p.Rules, creators = members.Count, landingDomains = p.LandingDomains });
}
