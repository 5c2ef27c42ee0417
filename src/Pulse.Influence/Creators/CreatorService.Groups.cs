using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Creators;

/// <summary>Creator groups: a name and description each; deleting one keeps its creators.</summary>
public sealed partial class CreatorService
{
    public async Task<IReadOnlyList<CreatorGroupDto>> GroupsAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var groups = await _db.Groups.AsNoTracking().Where(g => g.WorkspaceId == actor.WorkspaceId).OrderBy(g => g.Name).ToListAsync(ct);
        var ids = groups.Select(g => g.Id).ToList();
        var counts = await _db.GroupMembers.Where(m => ids.Contains(m.GroupId)).GroupBy(m => m.GroupId)
            .Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(x => x.Key, x => x.Count, ct);
        return groups.Select(g => new CreatorGroupDto(g.Id, g.Name, g.Description, counts.GetValueOrDefault(g.Id), g.CreatedAt)).ToList();
    }

    public async Task<CreatorGroupDto> CreateGroupAsync(Actor actor, CreatorGroupRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var (name, description) = CheckGroup(request, requireName: true);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Groups.AnyAsync(g => g.WorkspaceId == actor.WorkspaceId && g.Name.ToLower() == name!.ToLower(), c))
                throw new ConflictException($"The workspace already has a creator group named '{name}'.");
            var row = new CreatorGroup { Id = Guid.CreateVersion7(_time.GetUtcNow()), WorkspaceId = actor.WorkspaceId, Name = name!, Description = description, CreatedAt = _time.GetUtcNow() };
            _db.Groups.Add(row);
            return (new CreatorGroupDto(row.Id, row.Name, row.Description, 0, row.CreatedAt),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("creator_group.created", "creator_group", row.Id.ToString(), null, AuditSummary.Of(new { row.Name, row.Description }))]);
        }, ct);
    }

    public async Task<CreatorGroupDto> UpdateGroupAsync(Actor actor, Guid id, CreatorGroupRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var (name, description) = CheckGroup(request, requireName: false);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Groups.FirstOrDefaultAsync(g => g.Id == id && g.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The creator group");
            var before = AuditSummary.Of(new { row.Name, row.Description });
            if (name is not null && name != row.Name)
            {
                if (await _db.Groups.AnyAsync(g => g.WorkspaceId == actor.WorkspaceId && g.Name.ToLower() == name.ToLower() && g.Id != id, c))
                    throw new ConflictException($"The workspace already has a creator group named '{name}'.");
                row.Name = name;
            }
            if (request.Description is not null)
                row.Description = description;
            var count = await _db.GroupMembers.CountAsync(m => m.GroupId == id, c);
            return (new CreatorGroupDto(row.Id, row.Name, row.Description, count, row.CreatedAt),
                (IReadOnlyList<AuditRecord>)[new AuditRecord("creator_group.updated", "creator_group", row.Id.ToString(), before, AuditSummary.Of(new { row.Name, row.Description }))]);
        }, ct);
    }

    /// <summary>Deletes a group; its creators stay.</summary>
    public async Task DeleteGroupAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Groups.FirstOrDefaultAsync(g => g.Id == id && g.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The creator group");
            _db.GroupMembers.RemoveRange(await _db.GroupMembers.Where(m => m.GroupId == id).ToListAsync(c));
            _db.Groups.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("creator_group.deleted", "creator_group", id.ToString(), AuditSummary.Of(new { row.Name }), null)]);
        }, ct);
    }

    private static (string? Name, string? Description) CheckGroup(CreatorGroupRequest request, bool requireName)
    {
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var name = request.Name?.Trim();
        if (name is null ? requireName : name.Length is 0 or > 100 || name.Any(char.IsControl))
            errors["name"] = ["A group's name is 1 to 100 characters."];
        var description = request.Description?.Trim();
        if (description is { Length: > 1000 })
            errors["description"] = ["A description is at most 1000 characters."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        return (name, string.IsNullOrEmpty(description) ? null : description);
    }
}
