using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Platform.People;

/// <summary>Who belongs to a workspace and with which role.</summary>
public sealed class MemberService(PulseDbContext db, UserManager<PulseUser> users, AuditTrail audit, TimeProvider time)
{
    private const string CursorKind = "members";

    public async Task<Page<MemberDto>> ListAsync(Actor actor, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.MembersRead);
        var query = Query(actor.WorkspaceId);
        if (page.Cursor is { } c)
        {
            var after = Cursor.DecodeGuid(CursorKind, c);
            query = query.Where(x => x.M.UserId > after);
        }
        var rows = await query.OrderBy(x => x.M.UserId).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(x => ToDto(x.M, x.U)).ToList();
        return new Page<MemberDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].UserId) : null);
    }

    public async Task<int> CountAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.MembersRead);
        return await db.Memberships.CountAsync(m => m.WorkspaceId == actor.WorkspaceId, ct);
    }

    public async Task<MemberDto> GetAsync(Actor actor, Guid userId, CancellationToken ct)
    {
        actor.Demand(Permission.MembersRead);
        var row = await Query(actor.WorkspaceId).FirstOrDefaultAsync(x => x.M.UserId == userId, ct)
            ?? throw new NotFoundException("Member");
        return ToDto(row.M, row.U);
    }

    /// <summary>
    /// Adds a person to the actor's workspace. Someone without an account gets one, with
    /// <paramref name="password"/> or, when none is given, a temporary password returned once.
    /// </summary>
    public async Task<AddedMember> AddAsync(Actor actor, string? email, string? role, string? displayName, string? password, CancellationToken ct)
    {
        actor.Demand(Permission.MembersManage);
        var address = Validate.Email("email", email);
        var newRole = Validate.Role("role", role);
        if (!Permissions.CanGrant(actor.Role, newRole))
            throw new ForbiddenException($"A {actor.Role} may not make someone {newRole}.");
        var name = string.IsNullOrWhiteSpace(displayName) ? null : Validate.Name("displayName", displayName, 200);

        return await audit.WriteAsync(db, actor, async c =>
        {
            string? temporary = null;
            var user = await users.FindByEmailAsync(address);
            if (user is null)
            {
                user = new PulseUser
                {
                    Id = Guid.CreateVersion7(time.GetUtcNow()),
                    UserName = address,
                    Email = address,
                    EmailConfirmed = true,
                    DisplayName = name,
                    CreatedAt = time.GetUtcNow(),
                };
                if (password is null)
                    temporary = Passwords.Generate();
                Passwords.ThrowIfFailed(await users.CreateAsync(user, password ?? temporary!), "password");
            }
            if (await db.Memberships.AnyAsync(m => m.WorkspaceId == actor.WorkspaceId && m.UserId == user.Id, c))
                throw new ConflictException($"{address} is already a member of this workspace.");
            var m = new Membership { WorkspaceId = actor.WorkspaceId, UserId = user.Id, Role = newRole, CreatedAt = time.GetUtcNow() };
            db.Memberships.Add(m);
            return (new AddedMember(ToDto(m, user), temporary), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("member.added", "user", user.Id.ToString(), null, RoleSummary(newRole, address), user.Id)]);
        }, ct);
    }

    public async Task<MemberDto> ChangeRoleAsync(Actor actor, Guid userId, string? role, CancellationToken ct)
    {
        actor.Demand(Permission.MembersManage);
        var newRole = Validate.Role("role", role);
        return await audit.WriteAsync(db, actor, async c =>
        {
            var row = await Query(actor.WorkspaceId, tracked: true).FirstOrDefaultAsync(x => x.M.UserId == userId, c)
                ?? throw new NotFoundException("Member");
            var before = row.M.Role;
            if (!Permissions.CanGrant(actor.Role, newRole) || !Permissions.CanGrant(actor.Role, before))
                throw new ForbiddenException($"A {actor.Role} may not change a {before} into a {newRole}.");
            if (before == WorkspaceRole.Owner && newRole != WorkspaceRole.Owner)
                await EnsureAnotherOwnerAsync(actor.WorkspaceId, userId, c);
            row.M.Role = newRole;
            return (ToDto(row.M, row.U), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("member.role_changed", "user", userId.ToString(), RoleSummary(before, row.U.Email), RoleSummary(newRole, row.U.Email), userId)]);
        }, ct);
    }

    public async Task RemoveAsync(Actor actor, Guid userId, CancellationToken ct)
    {
        actor.Demand(Permission.MembersManage);
        await audit.WriteAsync(db, actor, async c =>
        {
            var row = await Query(actor.WorkspaceId, tracked: true).FirstOrDefaultAsync(x => x.M.UserId == userId, c)
                ?? throw new NotFoundException("Member");
            if (!Permissions.CanGrant(actor.Role, row.M.Role))
                throw new ForbiddenException($"A {actor.Role} may not remove a {row.M.Role}.");
            if (row.M.Role == WorkspaceRole.Owner)
                await EnsureAnotherOwnerAsync(actor.WorkspaceId, userId, c);
            db.Memberships.Remove(row.M);
            return (true, (IReadOnlyList<AuditRecord>)
                [new AuditRecord("member.removed", "user", userId.ToString(), RoleSummary(row.M.Role, row.U.Email), null, userId)]);
        }, ct);
    }

    /// <summary>The role a person holds in a workspace, or null when they are not a member.</summary>
    public async Task<WorkspaceRole?> RoleOfAsync(Guid userId, Guid workspaceId, CancellationToken ct) =>
        await db.Memberships.AsNoTracking()
            .Where(m => m.UserId == userId && m.WorkspaceId == workspaceId)
            .Select(m => (WorkspaceRole?)m.Role)
            .FirstOrDefaultAsync(ct);

    private async Task EnsureAnotherOwnerAsync(Guid workspaceId, Guid leaving, CancellationToken ct)
    {
        if (!await db.Memberships.AnyAsync(m => m.WorkspaceId == workspaceId && m.Role == WorkspaceRole.Owner && m.UserId != leaving, ct))
            throw new ConflictException("A workspace must keep at least one Owner.");
    }

    private IQueryable<MemberRow> Query(Guid workspaceId, bool tracked = false)
    {
        var memberships = tracked ? db.Memberships : db.Memberships.AsNoTracking();
        var people = tracked ? db.Users : db.Users.AsNoTracking();
        return memberships.Where(m => m.WorkspaceId == workspaceId)
            .Join(people, m => m.UserId, u => u.Id, (m, u) => new MemberRow { M = m, U = u });
    }

    private static string RoleSummary(WorkspaceRole role, string? email) =>
        AuditSummary.Of(new { role = role.ToString(), email });

    private static MemberDto ToDto(Membership m, PulseUser u) =>
        new(m.UserId, u.Email ?? "", u.DisplayName, m.Role, u.TwoFactorEnabled, u.LockoutEnd, m.CreatedAt);

    private sealed class MemberRow
    {
        public required Membership M { get; init; }
        public required PulseUser U { get; init; }
    }
}
