using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.People;
using Pulse.Platform.Storage;
using Pulse.Platform.Workspaces;

namespace Pulse.Influence.Partners;

/// <summary>
/// Who may use the partner portal as which creator. A creator gets in by an invitation link (made
/// by someone who manages creators, valid for <see cref="InviteDays"/> days, used once) or by an
/// account an admin makes for them; either way they become a Partner member of the workspace and
/// the creator row names their user. Every step is audited.
/// </summary>
public sealed class PartnerAccessService
{
    public const int InviteDays = 7;
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly MemberService _members;
    private readonly UserManager<PulseUser> _users;
    private readonly WorkspaceService _workspaces;

    internal PartnerAccessService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, MemberService members,
        UserManager<PulseUser> users, WorkspaceService workspaces)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _members = members;
        _users = users;
        _workspaces = workspaces;
    }

    /// <summary>Makes an invitation link for the creator's e-mail (earlier unused ones stop working).</summary>
    public async Task<PartnerInviteDto> InviteAsync(Actor actor, Guid creatorId, string baseUrl, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var creator = await InvitableAsync(actor, creatorId, ct);
        var now = _time.GetUtcNow();
        var token = WebEncoders.Base64UrlEncode(RandomNumberGenerator.GetBytes(32));
        var row = new PartnerInvite
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, CreatorId = creator.Id, Email = creator.Email!, TokenHash = Hash(token),
            ExpiresAt = now.AddDays(InviteDays), CreatedAt = now, CreatedBy = actor.Name,
        };
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            await _db.PartnerInvites.Where(i => i.WorkspaceId == actor.WorkspaceId && i.CreatorId == creator.Id && i.UsedAt == null).ExecuteDeleteAsync(c);
            _db.PartnerInvites.Add(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("partner.invited", "creator", creator.Id.ToString(), null,
                AuditSummary.Of(new { email = creator.Email, expiresAt = row.ExpiresAt }))]);
        }, ct);
        return new PartnerInviteDto(creator.Id, creator.Name, creator.Email!, $"{baseUrl.TrimEnd('/')}/partner/join?token={token}", row.ExpiresAt);
    }

    /// <summary>Makes (or reuses) the creator's account and gives it portal access at once: an admin's way, needing MembersManage.</summary>
    public async Task<PartnerAccessDto> GrantAsync(Actor actor, Guid creatorId, PartnerAccessRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        actor.Demand(Permission.MembersManage);
        var creator = await InvitableAsync(actor, creatorId, ct);
        var email = creator.Email!;
        var user = await _users.FindByEmailAsync(email);
        string? temporary = null;
        if (user is null || await _members.RoleOfAsync(user.Id, actor.WorkspaceId, ct) is null)
        {
            var added = await _members.AddAsync(actor, email, nameof(WorkspaceRole.Partner), creator.Name, request.Password, ct);
            temporary = added.TemporaryPassword;
            user = await _users.FindByEmailAsync(email) ?? throw new InvalidOperationException("The account just made was not found.");
        }
        else
            await EnsurePartnerAsync(actor.WorkspaceId, user, ct);
        await LinkAsync(actor, creator.Id, user.Id, null, "partner.access_granted", ct);
        return new PartnerAccessDto(creator.Id, creator.Name, email, user.Id, temporary);
    }

    /// <summary>What an invitation is for, or null when the token is unknown, used or expired.</summary>
    public async Task<PartnerInviteInfo?> InfoAsync(string? token, CancellationToken ct)
    {
        if (await ValidInviteAsync(token, ct) is not { } found)
            return null;
        var workspace = await _workspaces.GetAsync(System(found.Invite.WorkspaceId), found.Invite.WorkspaceId, ct);
        return new PartnerInviteInfo(workspace.Name, found.Creator.Name, found.Invite.Email, await _users.FindByEmailAsync(found.Invite.Email) is not null);
    }

    /// <summary>
    /// Accepts an invitation: makes the account with <paramref name="password"/>, or, when the address
    /// already has one, checks that <paramref name="password"/> is its password. Answers the user to sign in.
    /// </summary>
    public async Task<Guid> AcceptAsync(string? token, string? password, CancellationToken ct)
    {
        if (await ValidInviteAsync(token, ct) is not { } found)
            throw new ValidationException("token", "This invitation is not valid, was used or has expired; ask the brand for a new one.");
        if (string.IsNullOrEmpty(password) || password.Length > 512)
            throw new ValidationException("password", "password is required (at most 512 characters).");
        var (invite, creator) = found;
        var system = System(invite.WorkspaceId);
        var user = await _users.FindByEmailAsync(invite.Email);
        if (user is not null)
        {
            if (await _users.IsLockedOutAsync(user))
                throw new ValidationException("password", "The account is locked after too many wrong passwords; try again later.");
            if (!await _users.CheckPasswordAsync(user, password))
            {
                await _users.AccessFailedAsync(user);
                throw new ValidationException("password", $"That is not the password of the existing account {invite.Email}.");
            }
            await _users.ResetAccessFailedCountAsync(user);
            if (await _members.RoleOfAsync(user.Id, invite.WorkspaceId, ct) is null)
                await _members.AddAsync(system, invite.Email, nameof(WorkspaceRole.Partner), null, null, ct);
            else
                await EnsurePartnerAsync(invite.WorkspaceId, user, ct);
        }
        else
        {
            await _members.AddAsync(system, invite.Email, nameof(WorkspaceRole.Partner), creator.Name, password, ct);
            user = await _users.FindByEmailAsync(invite.Email) ?? throw new InvalidOperationException("The account just made was not found.");
        }
        var actor = new Actor(ActorKinds.User, user.Id.ToString(), invite.Email, invite.WorkspaceId, WorkspaceRole.Partner);
        await LinkAsync(actor, creator.Id, user.Id, invite.Id, "partner.joined", ct);
        return user.Id;
    }

    /// <summary>How long a partner's sign-in addresses are kept for the self-referral rules.</summary>
    public const int SignInDays = 90;

    /// <summary>
    /// Notes where a person signed in from, for each creator they are the partner of (in any
    /// workspace); nothing for people who are no partner. Older sign-ins than <see cref="SignInDays"/> are dropped.
    /// </summary>
    public async Task RecordSignInAsync(Guid userId, string? ip, string? userAgent, CancellationToken ct)
    {
        if (ip is null || !global::System.Net.IPAddress.TryParse(ip, out var address))
            return;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        var creators = await _db.Creators.AsNoTracking().Where(c => c.UserId == userId).Select(c => new { c.Id, c.WorkspaceId }).ToListAsync(ct);
        if (creators.Count == 0)
            return;
        var now = _time.GetUtcNow();
        foreach (var c in creators)
            _db.PartnerSignIns.Add(new PartnerSignIn
            {
                WorkspaceId = c.WorkspaceId, CreatorId = c.Id, Ip = address.ToString(), At = now,
                UserAgent = userAgent is { Length: > 512 } ua ? ua[..512] : userAgent,
            });
        await _db.SaveChangesAsync(ct);
        var old = now.AddDays(-SignInDays);
        await _db.PartnerSignIns.Where(s => s.At < old).ExecuteDeleteAsync(ct);
    }

    private async Task<Creator> InvitableAsync(Actor actor, Guid creatorId, CancellationToken ct)
    {
        var creator = await _db.Creators.AsNoTracking().FirstOrDefaultAsync(c => c.Id == creatorId && c.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("The creator");
        if (creator.Email is null)
            throw new ValidationException("email", "The creator has no e-mail address: add one, the invitation and the account are for it.");
        if (creator.Status == CreatorStatus.Banned)
            throw new ConflictException("The creator is banned; banned creators get no portal access.");
        if (creator.UserId is { } uid && await _members.RoleOfAsync(uid, actor.WorkspaceId, ct) == WorkspaceRole.Partner)
            throw new ConflictException($"{creator.Name} already has portal access.");
        return creator;
    }

    private async Task EnsurePartnerAsync(Guid workspace, PulseUser user, CancellationToken ct)
    {
        if (await _members.RoleOfAsync(user.Id, workspace, ct) is { } role && role != WorkspaceRole.Partner)
            throw new ConflictException($"{user.Email} is a {role} of this workspace; a partner signs in with an account of their own.");
    }

    private async Task LinkAsync(Actor actor, Guid creatorId, Guid userId, Guid? inviteId, string action, CancellationToken ct)
    {
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            if (await _db.Creators.AnyAsync(x => x.WorkspaceId == actor.WorkspaceId && x.UserId == userId && x.Id != creatorId, c))
                throw new ConflictException("This account already belongs to another creator of the workspace.");
            var creator = await _db.Creators.FirstAsync(x => x.Id == creatorId, c);
            var before = creator.UserId;
            creator.UserId = userId;
            creator.UpdatedAt = _time.GetUtcNow();
            if (inviteId is { } id)
            {
                var invite = await _db.PartnerInvites.FirstAsync(i => i.Id == id, c);
                if (invite.UsedAt is not null)
                    throw new ConflictException("This invitation was used a moment ago.");
                invite.UsedAt = _time.GetUtcNow();
            }
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord(action, "creator", creatorId.ToString(),
                before is null ? null : AuditSummary.Of(new { userId = before }), AuditSummary.Of(new { userId, email = creator.Email }))]);
        }, ct);
    }

    private async Task<(PartnerInvite Invite, Creator Creator)?> ValidInviteAsync(string? token, CancellationToken ct)
    {
        if (token is not { Length: >= 40 and <= 64 } || !token.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '-' or '_'))
            return null;
        var hash = Hash(token);
        var invite = await _db.PartnerInvites.AsNoTracking().FirstOrDefaultAsync(i => i.TokenHash == hash, ct);
        if (invite is null || invite.UsedAt is not null || invite.ExpiresAt <= _time.GetUtcNow())
            return null;
        var creator = await _db.Creators.AsNoTracking().FirstOrDefaultAsync(c => c.Id == invite.CreatorId, ct);
        // The address changed or the creator was banned since: the invitation no longer stands.
        if (creator is null || creator.Email != invite.Email || creator.Status == CreatorStatus.Banned)
            return null;
        return (invite, creator);
    }

    private static Actor System(Guid workspace) => new(ActorKinds.System, "partner-invitations", "system:partner-invitations", workspace, WorkspaceRole.Owner);

    private static string Hash(string token) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
