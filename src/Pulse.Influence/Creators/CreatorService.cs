using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Creators;

/// <summary>Which creators a list shows; every filter is optional and they combine.</summary>
/// <param name="Group">A group's id or name.</param>
/// <param name="Query">Part of the name, e-mail or a handle.</param>
public sealed record CreatorFilter(string? Status = null, string? Tier = null, string? Group = null, string? Category = null, string? Platform = null, string? Query = null);

/// <summary>
/// Creators of a workspace, their handles, groups and notes. Payout accounts are encrypted with
/// ASP.NET Core Data Protection and only ever shown masked; setting them needs
/// <see cref="Permission.PayoutsManage"/>. Every change is audited, the account left out.
/// </summary>
public sealed partial class CreatorService
{
    private const string CursorKind = "creators";
    internal const string PayoutPurpose = "Pulse.Influence.Payout.v1";
    private const int NotesShown = 50;
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly IDataProtector _protector;

    internal CreatorService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, IDataProtectionProvider protection)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _protector = protection.CreateProtector(PayoutPurpose);
    }

    public async Task<CreatorDto> CreateAsync(Actor actor, CreateCreatorRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var fields = CreatorInput.Check(request, errors, creating: true);
        DemandPayout(actor, fields);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var groups = await GroupIdsAsync(actor.WorkspaceId, fields.Groups, create: false, c);
            var row = NewRow(actor, fields);
            await CheckUniqueAsync(actor.WorkspaceId, row.Id, fields, c);
            _db.Creators.Add(row);
            SetGroups(row.Id, groups, existing: []);
            await Fraud.DuplicateCreators.CheckAsync(_db, [row], RevealPayout, _time.GetUtcNow(), c);
            return (await ToDtoAsync(row, withNotes: false, c),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("creator.created", "creator", row.Id.ToString(), null, Summary(row))]);
        }, ct);
    }

    public async Task<CreatorDto> UpdateAsync(Actor actor, Guid id, UpdateCreatorRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var fields = CreatorInput.Check(new CreateCreatorRequest(request.Name, request.Email, request.Country, request.Status, request.Categories,
            request.Handles, request.Groups, request.Contract, request.Payout), errors, creating: false);
        DemandPayout(actor, fields);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, id, c);
            var before = Summary(row);
            var groups = fields.Groups is null ? null : await GroupIdsAsync(actor.WorkspaceId, fields.Groups, create: false, c);
            await CheckUniqueAsync(actor.WorkspaceId, row.Id, fields, c);
            Apply(row, fields, replaceLists: true);
            if (groups is not null)
                SetGroups(row.Id, groups, await _db.GroupMembers.Where(m => m.CreatorId == row.Id).ToListAsync(c));
            await Fraud.DuplicateCreators.CheckAsync(_db, [row], RevealPayout, _time.GetUtcNow(), c);
            return (await ToDtoAsync(row, withNotes: false, c),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("creator.updated", "creator", row.Id.ToString(), before, Summary(row))]);
        }, ct);
    }

    public async Task<CreatorDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var row = await _db.Creators.AsNoTracking().Include(c => c.Handles).FirstOrDefaultAsync(c => c.Id == id && c.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("The creator");
        return await ToDtoAsync(row, withNotes: true, ct);
    }

    public async Task<Page<CreatorDto>> ListAsync(Actor actor, CreatorFilter filter, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var query = await FilterAsync(actor.WorkspaceId, filter, ct);
        if (page.Cursor is { } cursor)
        {
            var after = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(c => c.Id > after);
        }
        var rows = await query.Include(c => c.Handles).OrderBy(c => c.Id).Take(page.Limit + 1).ToListAsync(ct);
        var shown = rows.Take(page.Limit).ToList();
        var items = await ToDtosAsync(shown, ct);
        return new Page<CreatorDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, shown[^1].Id) : null);
    }

    /// <summary>How many creators of each tier (and without a known audience) the filter leaves, for the panel's chart.</summary>
    public async Task<IReadOnlyDictionary<string, int>> TierCountsAsync(Actor actor, CreatorFilter filter, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var query = await FilterAsync(actor.WorkspaceId, filter with { Tier = null }, ct);
        var followers = await query.Select(c => c.Followers).ToListAsync(ct);
        var counts = Tiers.Names.ToDictionary(t => t, _ => 0, StringComparer.Ordinal);
        counts["unknown"] = 0;
        foreach (var f in followers)
            counts[Tiers.Of(f) ?? "unknown"]++;
        return counts;
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await FindAsync(actor, id, c);
            var before = Summary(row);
            _db.Notes.RemoveRange(await _db.Notes.Where(n => n.CreatorId == id).ToListAsync(c));
            _db.GroupMembers.RemoveRange(await _db.GroupMembers.Where(m => m.CreatorId == id).ToListAsync(c));
            _db.Creators.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("creator.deleted", "creator", id.ToString(), before, null)]);
        }, ct);
    }

    public async Task<NoteDto> AddNoteAsync(Actor actor, Guid id, AddNoteRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var text = CreatorInput.CheckNote(request.Text, errors);
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var creator = await FindAsync(actor, id, c);
            var now = _time.GetUtcNow();
            var note = new CreatorNote { Id = Guid.CreateVersion7(now), CreatorId = creator.Id, Text = text!, Author = actor.Name, CreatedAt = now };
            _db.Notes.Add(note);
            return (new NoteDto(note.Id, note.Text, note.Author, note.CreatedAt),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("creator.note_added", "creator", creator.Id.ToString(), null, AuditSummary.Of(new { note = note.Id }))]);
        }, ct);
    }

    private Creator NewRow(Actor actor, CreatorFields f)
    {
        var now = _time.GetUtcNow();
        var row = new Creator
        {
            Id = Guid.CreateVersion7(now),
            WorkspaceId = actor.WorkspaceId,
            Name = f.Name!,
            Status = CreatorStatus.Active,
            Categories = "[]",
            CreatedAt = now,
            CreatedBy = actor.Name,
            UpdatedAt = now,
        };
        Apply(row, f, replaceLists: true);
        return row;
    }

    /// <summary>Sets what <paramref name="f"/> gives. An import (<paramref name="replaceLists"/> false) adds handles and categories instead of replacing them.</summary>
    private void Apply(Creator row, CreatorFields f, bool replaceLists)
    {
        if (f.Name is not null)
            row.Name = f.Name;
        if (f.Email is not null)
            row.Email = f.Email.Length == 0 ? null : f.Email;
        if (f.Country is not null)
            row.Country = f.Country.Length == 0 ? null : f.Country;
        if (f.Status is { } status)
            row.Status = status;
        if (f.Categories is not null)
        {
            var categories = replaceLists ? f.Categories : Categories(row).Union(f.Categories).ToList();
            row.Categories = JsonSerializer.Serialize(categories.Take(CreatorInput.MaxCategories).ToList(), InfluenceStoreJson.Default.ListString);
        }
        if (f.Handles is not null)
        {
            foreach (var (platform, handle, followers) in f.Handles)
            {
                var same = row.Handles.FirstOrDefault(h => h.Platform == platform);
                if (same is null)
                    row.Handles.Add(new CreatorHandle { CreatorId = row.Id, WorkspaceId = row.WorkspaceId, Platform = platform, Handle = handle, Followers = followers });
                else
                {
                    same.Handle = handle;
                    if (followers is not null || replaceLists)
                        same.Followers = followers;
                }
            }
            if (replaceLists)
                row.Handles.RemoveAll(h => !f.Handles.Any(x => x.Platform == h.Platform));
            row.Followers = row.Handles.Max(h => h.Followers);
        }
        if (f.Contract is { } c)
        {
            row.ContractType = c.Type ?? (replaceLists ? null : row.ContractType);
            row.ContractStart = c.Start ?? (replaceLists ? null : row.ContractStart);
            row.ContractEnd = c.End ?? (replaceLists ? null : row.ContractEnd);
            row.ContractFee = c.Fee ?? (replaceLists ? null : row.ContractFee);
            row.ContractCurrency = c.Currency ?? (replaceLists ? null : row.ContractCurrency);
            row.ContractTerms = c.Terms ?? (replaceLists ? null : row.ContractTerms);
        }
        if (f.Payout is { } p)
        {
            row.PayoutMethod = p.Method;
            row.PayoutSecret = _protector.Protect(JsonSerializer.Serialize(new PayoutSecret(p.Account, p.Holder), InfluenceStoreJson.Default.PayoutSecret));
            row.PayoutHint = SecretMask.Of(p.Account);
        }
        row.UpdatedAt = _time.GetUtcNow();
    }

    private static void DemandPayout(Actor actor, CreatorFields fields)
    {
        if (fields.Payout is not null && !actor.Can(Permission.PayoutsManage))
            throw new ForbiddenException("Setting payout details needs the PayoutsManage permission (Owner or Admin).");
    }

    private async Task CheckUniqueAsync(Guid workspace, Guid self, CreatorFields f, CancellationToken ct)
    {
        if (f.Email is { Length: > 0 } email)
        {
            var other = await _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == workspace && c.Email == email && c.Id != self).Select(c => c.Name).FirstOrDefaultAsync(ct);
            if (other is not null)
                throw new ConflictException($"The e-mail {email} belongs to creator '{other}'.");
        }
        foreach (var (platform, handle, _) in f.Handles ?? [])
        {
            var other = await _db.Handles.AsNoTracking().Where(h => h.WorkspaceId == workspace && h.Platform == platform && h.Handle == handle && h.CreatorId != self)
                .Join(_db.Creators, h => h.CreatorId, c => c.Id, (h, c) => c.Name).FirstOrDefaultAsync(ct);
            if (other is not null)
                throw new ConflictException($"The {Handles.Name(platform)} handle @{handle} belongs to creator '{other}'.");
        }
    }

    private async Task<List<Guid>> GroupIdsAsync(Guid workspace, List<string>? names, bool create, CancellationToken ct)
    {
        if (names is null || names.Count == 0)
            return [];
        var groups = await _db.Groups.AsNoTracking().Where(g => g.WorkspaceId == workspace).Select(g => new { g.Id, g.Name }).ToListAsync(ct);
        var ids = new List<Guid>();
        var missing = new List<string>();
        foreach (var n in names)
        {
            var g = groups.FirstOrDefault(x => string.Equals(x.Name, n, StringComparison.OrdinalIgnoreCase) || x.Id.ToString() == n.ToLowerInvariant());
            if (g is null)
                missing.Add(n);
            else if (!ids.Contains(g.Id))
                ids.Add(g.Id);
        }
        if (missing.Count > 0 && !create)
            throw new ValidationException("groups", $"No creator group named {string.Join(", ", missing.Select(m => $"'{m}'"))}; create it first (POST /api/v1/creator-groups).");
        return ids;
    }

    private void SetGroups(Guid creator, List<Guid> groups, List<CreatorGroupMember> existing)
    {
        _db.GroupMembers.RemoveRange(existing.Where(m => !groups.Contains(m.GroupId)));
        foreach (var g in groups.Where(g => existing.All(m => m.GroupId != g)))
            _db.GroupMembers.Add(new CreatorGroupMember { GroupId = g, CreatorId = creator });
    }

    private async Task<IQueryable<Creator>> FilterAsync(Guid workspace, CreatorFilter filter, CancellationToken ct)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var query = _db.Creators.AsNoTracking().Where(c => c.WorkspaceId == workspace);
        if (!string.IsNullOrWhiteSpace(filter.Status))
        {
            if (CreatorInput.ParseStatus(filter.Status) is { } s)
                query = query.Where(c => c.Status == s);
            else
                errors["status"] = [$"'{filter.Status}' is no status; use prospect, active, paused, ended or banned."];
        }
        if (!string.IsNullOrWhiteSpace(filter.Tier))
        {
            if (filter.Tier.Trim().Equals("unknown", StringComparison.OrdinalIgnoreCase))
                query = query.Where(c => c.Followers == null);
            else if (Tiers.Range(filter.Tier) is { } range)
                query = query.Where(c => c.Followers >= range.From && c.Followers < range.To);
            else
                errors["tier"] = [$"'{filter.Tier}' is no tier; use nano, micro, mid, macro, mega or unknown."];
        }
        if (!string.IsNullOrWhiteSpace(filter.Platform))
        {
            if (Handles.ParsePlatform(filter.Platform) is { } p)
                query = query.Where(c => c.Handles.Any(h => h.Platform == p));
            else
                errors["platform"] = [$"'{filter.Platform}' is no platform; use {string.Join(", ", Handles.PlatformNames)}."];
        }
        if (!string.IsNullOrWhiteSpace(filter.Category))
        {
            var quoted = JsonSerializer.Serialize(filter.Category.Trim().ToLowerInvariant());
            query = query.Where(c => c.Categories.Contains(quoted));
        }
        if (!string.IsNullOrWhiteSpace(filter.Query))
        {
            var q = filter.Query.Trim().TrimStart('@').ToLowerInvariant();
            if (q.Length > 200)
                errors["q"] = ["The search is at most 200 characters."];
            else
                query = query.Where(c => c.Name.ToLower().Contains(q) || (c.Email != null && c.Email.Contains(q)) || c.Handles.Any(h => h.Handle.Contains(q)));
        }
        if (!string.IsNullOrWhiteSpace(filter.Group))
        {
            var name = filter.Group.Trim();
            var group = await _db.Groups.AsNoTracking().Where(g => g.WorkspaceId == workspace).ToListAsync(ct);
            var g = group.FirstOrDefault(x => string.Equals(x.Name, name, StringComparison.OrdinalIgnoreCase) || x.Id.ToString() == name.ToLowerInvariant());
            if (g is null)
                errors["group"] = [$"No creator group '{name}'."];
            else
                query = query.Where(c => _db.GroupMembers.Any(m => m.GroupId == g.Id && m.CreatorId == c.Id));
        }
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return query;
    }

    private async Task<Creator> FindAsync(Actor actor, Guid id, CancellationToken ct) =>
        await _db.Creators.Include(c => c.Handles).FirstOrDefaultAsync(c => c.Id == id && c.WorkspaceId == actor.WorkspaceId, ct)
        ?? throw new NotFoundException("The creator");

    private async Task<CreatorDto> ToDtoAsync(Creator row, bool withNotes, CancellationToken ct)
    {
        var dto = (await ToDtosAsync([row], ct))[0];
        if (!withNotes)
            return dto;
        var notes = await _db.Notes.AsNoTracking().Where(n => n.CreatorId == row.Id).OrderByDescending(n => n.Id).Take(NotesShown)
            .Select(n => new NoteDto(n.Id, n.Text, n.Author, n.CreatedAt)).ToListAsync(ct);
        return dto with { Notes = notes };
    }

    private async Task<List<CreatorDto>> ToDtosAsync(List<Creator> rows, CancellationToken ct)
    {
        var ids = rows.Select(r => r.Id).ToList();
        // Memberships not yet saved (a creation in this transaction) are in the change tracker.
        var saved = await _db.GroupMembers.AsNoTracking().Where(m => ids.Contains(m.CreatorId)).ToListAsync(ct);
        var pending = _db.ChangeTracker.Entries<CreatorGroupMember>().ToList();
        var members = saved.Where(m => !pending.Any(p => p.State == EntityState.Deleted && p.Entity.GroupId == m.GroupId && p.Entity.CreatorId == m.CreatorId))
            .Concat(pending.Where(p => p.State == EntityState.Added && ids.Contains(p.Entity.CreatorId)).Select(p => p.Entity)).ToList();
        var groupIds = members.Select(m => m.GroupId).Distinct().ToList();
        var names = await _db.Groups.AsNoTracking().Where(g => groupIds.Contains(g.Id)).ToDictionaryAsync(g => g.Id, g => g.Name, ct);
        return rows.Select(r => ToDto(r, members.Where(m => m.CreatorId == r.Id && names.ContainsKey(m.GroupId))
            .Select(m => new GroupRefDto(m.GroupId, names[m.GroupId])).OrderBy(g => g.Name, StringComparer.OrdinalIgnoreCase).ToList())).ToList();
    }

    private static CreatorDto ToDto(Creator r, IReadOnlyList<GroupRefDto> groups) => new(
        r.Id, r.Name, r.Email, r.Country, CreatorInput.StatusName(r.Status), Tiers.Of(r.Followers), r.Followers, Categories(r),
        r.Handles.OrderBy(h => h.Platform).Select(h => new HandleDto(Handles.Name(h.Platform), h.Handle, h.Followers, Handles.ProfileUrl(h.Platform, h.Handle))).ToList(),
        groups,
        r.ContractType is null && r.ContractStart is null && r.ContractEnd is null && r.ContractFee is null && r.ContractTerms is null ? null
            : new ContractDto(r.ContractType is { } t ? CreatorInput.ContractName(t) : null, r.ContractStart, r.ContractEnd, r.ContractFee, r.ContractCurrency, r.ContractTerms),
        r.PayoutMethod is { } m ? new PayoutDto(CreatorInput.PayoutName(m), r.PayoutHint, null) : null,
        r.CreatedAt, r.UpdatedAt, null, r.UserId);

    /// <summary>The payout account and holder in clear, for the statement and payout export (never for display).</summary>
    internal PayoutSecret? RevealPayout(Creator row) => row.PayoutSecret is null ? null : RevealPayout(row.PayoutSecret);

    private PayoutSecret? RevealPayout(string secret) => JsonSerializer.Deserialize(_protector.Unprotect(secret), InfluenceStoreJson.Default.PayoutSecret);

    private static List<string> Categories(Creator r) => JsonSerializer.Deserialize(r.Categories, InfluenceStoreJson.Default.ListString) ?? [];

    /// <summary>What the audit trail records of a creator: everything but the payout account (only its method and masked form).</summary>
    private static string Summary(Creator r) => AuditSummary.Of(new
    {
        r.Name, r.Email, r.Country, status = CreatorInput.StatusName(r.Status), categories = Categories(r),
        handles = r.Handles.Select(h => $"{Handles.Name(h.Platform)}:{h.Handle}").ToList(),
        contract = r.ContractType is { } t ? CreatorInput.ContractName(t) : null, r.ContractStart, r.ContractEnd, r.ContractFee, r.ContractCurrency,
        payout = r.PayoutMethod is { } m ? $"{CreatorInput.PayoutName(m)} {r.PayoutHint}" : null,
    });
}

/// <summary>The encrypted part of payout details.</summary>
internal sealed record PayoutSecret(string Account, string? Holder);

/// <summary>JSON the module stores in its own columns (categories, the encrypted payout details).</summary>
[System.Text.Json.Serialization.JsonSerializable(typeof(PayoutSecret))]
[System.Text.Json.Serialization.JsonSerializable(typeof(List<string>))]
internal sealed partial class InfluenceStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
