using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Codes;

/// <summary>Discount codes of a workspace, each for a creator and a campaign; every change audited.</summary>
public sealed class CodeService
{
    private const string CursorKind = "codes";
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;

    internal CodeService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
    }

    public async Task<CodeDto> CreateAsync(Actor actor, CreateCodeRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var code = CheckCode(request.Code, errors);
        var now = _time.GetUtcNow();
        var row = new DiscountCode { Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, Code = code ?? "", Enabled = true, CreatedAt = now, CreatedBy = actor.Name, UpdatedAt = now };
        Apply(row, new UpdateCodeRequest(request.CreatorId, request.Campaign, request.MaxUses, request.ValidFrom, request.ValidTo, request.Enabled, request.Discount), errors);
        await CheckCreatorAsync(actor, row.CreatorId, errors, ct);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Codes.AnyAsync(x => x.WorkspaceId == actor.WorkspaceId && x.Code == row.Code, c))
                throw new ConflictException($"The workspace already has the code {row.Code}.");
            _db.Codes.Add(row);
            return (await ToDtoAsync(row, c), (IReadOnlyList<AuditRecord>)[new AuditRecord("code.created", "code", row.Id.ToString(), null, Summary(row))]);
        }, ct);
    }

    public async Task<CodeDto> UpdateAsync(Actor actor, Guid id, UpdateCodeRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Codes.FirstOrDefaultAsync(x => x.Id == id && x.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The code");
            var before = Summary(row);
            var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
            Apply(row, request, errors);
            await CheckCreatorAsync(actor, row.CreatorId, errors, c);
            if (errors.Count > 0)
                throw new ValidationException(errors);
            row.UpdatedAt = _time.GetUtcNow();
            return (await ToDtoAsync(row, c), (IReadOnlyList<AuditRecord>)[new AuditRecord("code.updated", "code", row.Id.ToString(), before, Summary(row))]);
        }, ct);
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Codes.FirstOrDefaultAsync(x => x.Id == id && x.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The code");
            _db.Codes.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("code.deleted", "code", id.ToString(), Summary(row), null)]);
        }, ct);
    }

    public async Task<CodeDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var row = await _db.Codes.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id && x.WorkspaceId == actor.WorkspaceId, ct) ?? throw new NotFoundException("The code");
        return await ToDtoAsync(row, ct);
    }

    public async Task<Page<CodeDto>> ListAsync(Actor actor, Guid? creatorId, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var query = _db.Codes.AsNoTracking().Where(x => x.WorkspaceId == actor.WorkspaceId);
        if (creatorId is { } creator)
            query = query.Where(x => x.CreatorId == creator);
        if (page.Cursor is { } cursor)
        {
            var after = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(x => x.Id > after);
        }
        var rows = await query.OrderBy(x => x.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = new List<CodeDto>();
        foreach (var r in rows.Take(page.Limit))
            items.Add(await ToDtoAsync(r, ct));
        return new Page<CodeDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    /// <summary>The code as a sale names it (any case, spaces trimmed), or null when it is no code.</summary>
    internal static string? Normalize(string? code)
    {
        var v = code?.Trim().ToUpperInvariant();
        return v is { Length: >= 3 and <= 50 } && v.All(ch => char.IsAsciiLetterUpper(ch) || char.IsAsciiDigit(ch) || ch is '-' or '_') ? v : null;
    }

    private static string? CheckCode(string? code, Dictionary<string, string[]> errors)
    {
        var v = Normalize(code);
        if (v is null)
            errors["code"] = [$"'{code}' is not a code: 3 to 50 of A-Z, 0-9, '-' and '_' (letters that only look Latin are refused)."];
        return v;
    }

    private static void Apply(DiscountCode row, UpdateCodeRequest r, Dictionary<string, string[]> errors)
    {
        if (r.CreatorId is { } creator)
            row.CreatorId = creator == Guid.Empty ? null : creator;
        if (r.Campaign is not null)
            row.Campaign = r.Campaign.Trim() is { Length: > 0 } c ? (c.Length <= 200 ? c : null) : null;
        if (r.MaxUses is { } max)
        {
            if (max is < 0 or > 100_000_000)
                errors["maxUses"] = ["maxUses is 1 (single use) or more; 0 removes the limit."];
            row.MaxUses = max == 0 ? null : max;
        }
        if (r.ValidFrom is not null)
            row.ValidFrom = r.ValidFrom;
        if (r.ValidTo is not null)
            row.ValidTo = r.ValidTo;
        if (row.ValidFrom is { } from && row.ValidTo is { } to && to <= from)
            errors["validTo"] = ["The code stops being valid before it starts."];
        if (r.Enabled is { } enabled)
            row.Enabled = enabled;
        if (r.Discount is not null)
        {
            var d = r.Discount.Trim();
            if (d.Length > 100 || d.Any(char.IsControl))
                errors["discount"] = ["discount is a short description of at most 100 characters (10%, 20 PLN off)."];
            else
                row.Discount = d.Length == 0 ? null : d;
        }
    }

    private async Task CheckCreatorAsync(Actor actor, Guid? creator, Dictionary<string, string[]> errors, CancellationToken ct)
    {
        if (creator is { } id && !await _db.Creators.AnyAsync(c => c.Id == id && c.WorkspaceId == actor.WorkspaceId, ct))
            errors["creatorId"] = [$"No creator {id} in this workspace."];
    }

    /// <summary>The codes of one creator with their uses, for the partner portal.</summary>
    internal async Task<IReadOnlyList<CodeDto>> ForCreatorAsync(Guid workspace, Guid creatorId, CancellationToken ct)
    {
        var rows = await _db.Codes.AsNoTracking().Where(c => c.WorkspaceId == workspace && c.CreatorId == creatorId).OrderBy(c => c.Code).Take(1000).ToListAsync(ct);
        var result = new List<CodeDto>(rows.Count);
        foreach (var r in rows)
            result.Add(await ToDtoAsync(r, ct));
        return result;
    }

    private async Task<CodeDto> ToDtoAsync(DiscountCode r, CancellationToken ct)
    {
        var uses = await _db.Conversions.AsNoTracking().Where(c => c.WorkspaceId == r.WorkspaceId && c.Code == r.Code && c.Status != "cancelled")
            .Select(c => new { c.Currency, c.Amount, c.Refunded }).ToListAsync(ct);
        var name = r.CreatorId is { } cid ? await _db.Creators.Where(c => c.Id == cid).Select(c => c.Name).FirstOrDefaultAsync(ct) : null;
        return new CodeDto(r.Id, r.Code, r.CreatorId, name, r.Campaign, r.MaxUses, r.ValidFrom, r.ValidTo, r.Enabled, r.Discount, uses.Count,
            uses.GroupBy(u => u.Currency).ToDictionary(g => g.Key, g => g.Sum(u => u.Amount - u.Refunded), StringComparer.Ordinal), r.CreatedAt);
    }

    private static string Summary(DiscountCode r) => AuditSummary.Of(new { r.Code, r.CreatorId, r.Campaign, r.MaxUses, r.ValidFrom, r.ValidTo, r.Enabled, r.Discount });
}
