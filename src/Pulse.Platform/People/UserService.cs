using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Platform.People;

/// <summary>Accounts of people, across workspaces: what the operator manages from the command line.</summary>
public sealed class UserService(PulseDbContext db, UserManager<PulseUser> users, AuditTrail audit, TimeProvider time)
{
    public async Task<UserDto> CreateAsync(Actor? actor, string? email, string? password, string? displayName, CancellationToken ct)
    {
        var address = Validate.Email("email", email);
        if (string.IsNullOrEmpty(password))
            throw new ValidationException("password", "password is required.");
        var name = string.IsNullOrWhiteSpace(displayName) ? null : Validate.Name("displayName", displayName, 200);
        return await audit.WriteAsync(db, actor, async _ =>
        {
            if (await users.FindByEmailAsync(address) is not null)
                throw new ConflictException($"A user with the e-mail {address} already exists.");
            var user = new PulseUser
            {
                Id = Guid.CreateVersion7(time.GetUtcNow()),
                UserName = address,
                Email = address,
                EmailConfirmed = true,
                DisplayName = name,
                CreatedAt = time.GetUtcNow(),
            };
            Passwords.ThrowIfFailed(await users.CreateAsync(user, password), "password");
            return (ToDto(user, 0), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("user.created", "user", user.Id.ToString(), null, AuditSummary.Of(new { email = address }), user.Id)]);
        }, ct);
    }

    public async Task<IReadOnlyList<UserDto>> ListAsync(CancellationToken ct)
    {
        var rows = await db.Users.AsNoTracking()
            .OrderBy(u => u.Email)
            .Select(u => new { User = u, Count = db.Memberships.Count(m => m.UserId == u.Id) })
            .ToListAsync(ct);
        return rows.ConvertAll(r => ToDto(r.User, r.Count));
    }

    public Task<bool> AnyAsync(CancellationToken ct) => db.Users.AnyAsync(ct);

    public async Task<UserDto?> FindAsync(string email, CancellationToken ct)
    {
        var user = await users.FindByEmailAsync(email.Trim());
        return user is null ? null : ToDto(user, await db.Memberships.CountAsync(m => m.UserId == user.Id, ct));
    }

    /// <summary>Sets a new password, lifts any lockout and signs the person out everywhere.</summary>
    public async Task ResetPasswordAsync(Actor? actor, string? email, string? newPassword, CancellationToken ct)
    {
        var address = Validate.Email("email", email);
        if (string.IsNullOrEmpty(newPassword))
            throw new ValidationException("password", "password is required.");
        await audit.WriteAsync(db, actor, async _ =>
        {
            var user = await users.FindByEmailAsync(address) ?? throw new NotFoundException($"User {address}");
            foreach (var validator in users.PasswordValidators)
                Passwords.ThrowIfFailed(await validator.ValidateAsync(users, user, newPassword), "password");
            user.PasswordHash = users.PasswordHasher.HashPassword(user, newPassword);
            user.AccessFailedCount = 0;
            user.LockoutEnd = null;
            Passwords.ThrowIfFailed(await users.UpdateSecurityStampAsync(user), "password");
            return (true, (IReadOnlyList<AuditRecord>)
                [new AuditRecord("user.password_reset", "user", user.Id.ToString(), null, null, user.Id)]);
        }, ct);
    }

    private static UserDto ToDto(PulseUser u, int workspaces) =>
        new(u.Id, u.Email ?? "", u.DisplayName, u.TwoFactorEnabled, u.LockoutEnd, u.CreatedAt, workspaces);
}
