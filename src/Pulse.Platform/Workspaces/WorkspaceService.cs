using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.People;
using Pulse.Platform.Storage;

namespace Pulse.Platform.Workspaces;

/// <summary>Workspaces: the tenants everything else belongs to.</summary>
public sealed class WorkspaceService(PulseDbContext db, AuditTrail audit, TimeProvider time)
{
    public async Task<WorkspaceDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.WorkspaceRead);
        if (id != actor.WorkspaceId)
            throw new NotFoundException("Workspace");
        var w = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct)
            ?? throw new NotFoundException("Workspace");
        return ToDto(w);
    }

    public async Task<WorkspaceDto> RenameAsync(Actor actor, string? name, CancellationToken ct)
    {
        actor.Demand(Permission.WorkspaceManage);
        var newName = Validate.Name("name", name);
        return await audit.WriteAsync(db, actor, async c =>
        {
            var w = await db.Workspaces.FirstOrDefaultAsync(x => x.Id == actor.WorkspaceId, c)
                ?? throw new NotFoundException("Workspace");
            var before = w.Name;
            if (before != newName && await NameTakenAsync(newName, w.Id, c))
                throw new ConflictException($"A workspace named '{newName}' already exists.");
            w.Name = newName;
            return (ToDto(w), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("workspace.renamed", "workspace", w.Id.ToString(), Summary(before), Summary(newName))]);
        }, ct);
    }

    /// <summary>A person creates a further workspace from the panel and becomes its Owner.</summary>
    public async Task<WorkspaceDto> CreateAsOwnerAsync(Actor actor, string? name, CancellationToken ct)
    {
        actor.Demand(Permission.WorkspaceCreate);
        var userId = actor.UserId ?? throw new ForbiddenException("Only a person can own a workspace.");
        return await CreateAsync(name, userId, actor, ct);
    }

    /// <summary>Creates a workspace; when <paramref name="ownerUserId"/> is given that person becomes its Owner.</summary>
    public async Task<WorkspaceDto> CreateAsync(string? name, Guid? ownerUserId, Actor? createdBy, CancellationToken ct)
    {
        var newName = Validate.Name("name", name);
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var auditActor = createdBy is null ? null : createdBy with { WorkspaceId = id };
        return await audit.WriteAsync(db, auditActor, async c =>
        {
            if (await NameTakenAsync(newName, null, c))
                throw new ConflictException($"A workspace named '{newName}' already exists.");
            var now = time.GetUtcNow();
            var w = new Workspace { Id = id, Name = newName, CreatedAt = now };
            db.Workspaces.Add(w);
            var records = new List<AuditRecord> { new("workspace.created", "workspace", id.ToString(), null, Summary(newName)) };
            if (ownerUserId is { } owner)
            {
                db.Memberships.Add(new Membership { WorkspaceId = id, UserId = owner, Role = WorkspaceRole.Owner, CreatedAt = now });
                records.Add(new AuditRecord("member.added", "user", owner.ToString(), null,
                    AuditSummary.Of(new { role = nameof(WorkspaceRole.Owner) }), owner));
            }
            return (ToDto(w), (IReadOnlyList<AuditRecord>)records);
        }, ct);
    }

    /// <summary>All workspaces (for the command line of this machine).</summary>
    public async Task<IReadOnlyList<WorkspaceDto>> ListAllAsync(CancellationToken ct) =>
        (await db.Workspaces.AsNoTracking().OrderBy(w => w.Name).ToListAsync(ct)).ConvertAll(ToDto);

    /// <summary>The workspaces a person belongs to, with their role in each.</summary>
    public async Task<IReadOnlyList<WorkspaceMembershipDto>> ListForUserAsync(Guid userId, CancellationToken ct)
    {
        var rows = await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId)
            .Join(db.Workspaces, m => m.WorkspaceId, w => w.Id, (m, w) => new { w.Id, w.Name, m.Role })
            .OrderBy(x => x.Name)
            .ToListAsync(ct);
        return rows.ConvertAll(x => new WorkspaceMembershipDto(x.Id, x.Name, x.Role));
    }

    /// <summary>Finds a workspace by id or by name (case-insensitive), as the CLI's --workspace accepts.</summary>
    public async Task<WorkspaceDto?> FindAsync(string nameOrId, CancellationToken ct)
    {
        var key = nameOrId.Trim();
        Workspace? w = null;
        if (Guid.TryParse(key, out var id))
            w = await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(x => x.Id == id, ct);
        w ??= await db.Workspaces.AsNoTracking().FirstOrDefaultAsync(x => x.Name == key, ct);
        return w is null ? null : ToDto(w);
    }

    private Task<bool> NameTakenAsync(string name, Guid? except, CancellationToken ct) =>
        db.Workspaces.AnyAsync(x => x.Name == name && x.Id != except, ct);

    private static string Summary(string name) => AuditSummary.Of(new { name });

    private static WorkspaceDto ToDto(Workspace w) => new(w.Id, w.Name, w.CreatedAt);
}
