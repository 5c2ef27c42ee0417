using System.Collections.Concurrent;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Platform.ApiKeys;

/// <summary>Keys for machines: created with a role, stored hashed, revocable.</summary>
public sealed class ApiKeyService(PulseDbContext db, AuditTrail audit, TimeProvider time)
{
    private const string CursorKind = "apikeys";

    // Last-used times are written at most once a minute per key, so that authenticating a request
    // is one indexed read and not a write; the map holds one entry per key that was used.
    private static readonly ConcurrentDictionary<Guid, long> LastUseWritten = new();
    private static readonly TimeSpan LastUseResolution = TimeSpan.FromMinutes(1);

    public async Task<CreatedApiKey> CreateAsync(Actor actor, string? name, string? role, DateTimeOffset? expiresAt, CancellationToken ct)
    {
        actor.Demand(Permission.ApiKeysManage);
        var keyName = Validate.Name("name", name);
        var keyRole = Validate.Role("role", role);
        if (!Permissions.CanGrant(actor.Role, keyRole))
            throw new ForbiddenException($"A {actor.Role} may not create a key with the role {keyRole}.");
        if (expiresAt is { } e && e <= time.GetUtcNow())
            throw new ValidationException("expiresAt", "expiresAt must be in the future.");

        var key = ApiKeyFormat.NewKey();
        var row = new ApiKey
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            WorkspaceId = actor.WorkspaceId,
            Name = keyName,
            Prefix = ApiKeyFormat.PrefixOf(key),
            SecretHash = ApiKeyFormat.Hash(key),
            Role = keyRole,
            CreatedAt = time.GetUtcNow(),
            CreatedBy = actor.Name,
            ExpiresAt = expiresAt,
        };
        return await audit.WriteAsync(db, actor, _ =>
        {
            db.ApiKeys.Add(row);
            return Task.FromResult((new CreatedApiKey(ToDto(row), key), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("apikey.created", "apikey", row.Id.ToString(), null, Summary(row))]));
        }, ct);
    }

    public async Task<Page<ApiKeyDto>> ListAsync(Actor actor, PageRequest page, bool includeRevoked, CancellationToken ct)
    {
        actor.Demand(Permission.ApiKeysRead);
        var query = db.ApiKeys.AsNoTracking().Where(k => k.WorkspaceId == actor.WorkspaceId);
        if (!includeRevoked)
            query = query.Where(k => k.RevokedAt == null);
        if (page.Cursor is { } c)
        {
            var after = Cursor.DecodeGuid(CursorKind, c);
            query = query.Where(k => k.Id > after);
        }
        var rows = await query.OrderBy(k => k.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(ToDto).ToList();
        return new Page<ApiKeyDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    /// <summary>Keys that would authenticate now: neither revoked nor expired.</summary>
    public async Task<int> CountActiveAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.ApiKeysRead);
        var now = time.GetUtcNow();
        return await db.ApiKeys.CountAsync(k => k.WorkspaceId == actor.WorkspaceId && k.RevokedAt == null && (k.ExpiresAt == null || k.ExpiresAt > now), ct);
    }

    public async Task<ApiKeyDto> GetAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.ApiKeysRead);
        var row = await db.ApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id && k.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException("API key");
        return ToDto(row);
    }

    /// <summary>Revokes by id or by prefix; the key stops working at once.</summary>
    public async Task<ApiKeyDto> RevokeAsync(Actor actor, string idOrPrefix, CancellationToken ct)
    {
        actor.Demand(Permission.ApiKeysManage);
        return await audit.WriteAsync(db, actor, async c =>
        {
            var query = db.ApiKeys.Where(k => k.WorkspaceId == actor.WorkspaceId);
            var row = Guid.TryParse(idOrPrefix, out var id)
                ? await query.FirstOrDefaultAsync(k => k.Id == id, c)
                : await query.FirstOrDefaultAsync(k => k.Prefix == idOrPrefix, c);
            if (row is null)
                throw new NotFoundException("API key");
            if (row.RevokedAt is not null)
                throw new ConflictException($"The key {row.Prefix}… was already revoked.");
            if (!Permissions.CanGrant(actor.Role, row.Role))
                throw new ForbiddenException($"A {actor.Role} may not revoke a key with the role {row.Role}.");
            var before = Summary(row);
            row.RevokedAt = time.GetUtcNow();
            row.RevokedBy = actor.Name;
            return (ToDto(row), (IReadOnlyList<AuditRecord>)
                [new AuditRecord("apikey.revoked", "apikey", row.Id.ToString(), before, Summary(row))]);
        }, ct);
    }

    /// <summary>Checks a presented key; null when it is unknown, revoked or expired.</summary>
    public async Task<ApiKeyIdentity?> AuthenticateAsync(string presented, CancellationToken ct)
    {
        if (!ApiKeyFormat.LooksValid(presented))
            return null;
        var prefix = ApiKeyFormat.PrefixOf(presented);
        var row = await FindByPrefix(db, prefix);
        if (row is null || !ApiKeyFormat.Matches(presented, row.SecretHash) || row.RevokedAt is not null)
            return null;
        var now = time.GetUtcNow();
        if (row.ExpiresAt is { } exp && exp <= now)
            return null;
        await NoteUseAsync(row.Id, now, ct);
        return new ApiKeyIdentity(row.Id, row.Name, row.Prefix, row.WorkspaceId, row.Role);
    }

    private async Task NoteUseAsync(Guid id, DateTimeOffset now, CancellationToken ct)
    {
        var nowMs = now.ToUnixTimeMilliseconds();
        if (LastUseWritten.TryGetValue(id, out var last) && nowMs - last < LastUseResolution.TotalMilliseconds)
            return;
        LastUseWritten[id] = nowMs;
        await db.ApiKeys.Where(k => k.Id == id).ExecuteUpdateAsync(s => s.SetProperty(k => k.LastUsedAt, now), ct);
    }

    private static readonly Func<PulseDbContext, string, Task<ApiKey?>> FindByPrefix =
        EF.CompileAsyncQuery((PulseDbContext ctx, string prefix) =>
            ctx.ApiKeys.AsNoTracking().FirstOrDefault(k => k.Prefix == prefix));

    private static string Summary(ApiKey k) => AuditSummary.Of(new
    {
        name = k.Name,
        prefix = k.Prefix,
        role = k.Role.ToString(),
        expiresAt = k.ExpiresAt,
        revoked = k.RevokedAt is not null,
    });

    internal ApiKeyDto ToDto(ApiKey k) => new(
        k.Id, k.Name, k.Prefix, k.Role, k.CreatedAt, k.CreatedBy, k.ExpiresAt, k.LastUsedAt, k.RevokedAt,
        k.RevokedAt is not null ? "revoked" : k.ExpiresAt is { } e && e <= time.GetUtcNow() ? "expired" : "active");
}
