using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Shops;

/// <summary>Shop connections of a workspace: their webhook addresses and signing secrets (encrypted, shown masked).</summary>
public sealed class ShopService
{
    internal const string Purpose = "Pulse.Influence.Shops.v1";
    private readonly InfluenceDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly TimeProvider _time;
    private readonly IDataProtector _protector;

    internal ShopService(InfluenceDbContext db, PulseDbContext platform, AuditTrail audit, TimeProvider time, IDataProtectionProvider protection)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _time = time;
        _protector = protection.CreateProtector(Purpose);
    }

    public async Task<ShopDto> CreateAsync(Actor actor, CreateShopRequest r, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var platform = r.Platform?.Trim().ToLowerInvariant();
        if (platform is not ("shopify" or "woocommerce"))
            errors["platform"] = ["platform is shopify or woocommerce."];
        var name = r.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 100)
            errors["name"] = ["A shop's name is 1 to 100 characters."];
        var secret = r.Secret?.Trim();
        var generated = false;
        if (string.IsNullOrEmpty(secret))
        {
            if (platform == "shopify")
                errors["secret"] = ["Give the Shopify app's client secret: Shopify signs webhooks with it."];
            secret = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
            generated = true;
        }
        else if (secret.Length is < 8 or > 500)
            errors["secret"] = ["The secret is 8 to 500 characters."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        var now = _time.GetUtcNow();
        var row = new ShopConnection
        {
            Id = Guid.CreateVersion7(now), WorkspaceId = actor.WorkspaceId, Platform = platform!, Name = name!, Secret = _protector.Protect(secret!),
            SecretHint = SecretMask.Of(secret!), CreatedAt = now,
        };
        var dto = await _audit.WriteAsync(_platform, _db, actor, c =>
        {
            _db.Shops.Add(row);
            return Task.FromResult((ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("shop.created", "shop", row.Id.ToString(), null, AuditSummary.Of(new { row.Platform, row.Name }))]));
        }, ct);
        return generated ? dto with { Secret = secret! } : dto;
    }

    public async Task<IReadOnlyList<ShopDto>> ListAsync(Actor actor, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        return (await _db.Shops.AsNoTracking().Where(s => s.WorkspaceId == actor.WorkspaceId).OrderBy(s => s.Name).ToListAsync(ct)).Select(ToDto).ToList();
    }

    public async Task DeleteAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesManage);
        await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var row = await _db.Shops.FirstOrDefaultAsync(s => s.Id == id && s.WorkspaceId == actor.WorkspaceId, c) ?? throw new NotFoundException("The shop");
            _db.Shops.Remove(row);
            return (true, (IReadOnlyList<AuditRecord>)[new AuditRecord("shop.deleted", "shop", id.ToString(), AuditSummary.Of(new { row.Platform, row.Name }), null)]);
        }, ct);
    }

    /// <summary>The connection a webhook names, with its secret in clear for checking the signature; null when there is none.</summary>
    internal async Task<(ShopConnection Shop, byte[] Secret)?> ForWebhookAsync(string platform, Guid id, CancellationToken ct)
    {
        var row = await _db.Shops.FirstOrDefaultAsync(s => s.Id == id && s.Platform == platform, ct);
        return row is null ? null : (row, System.Text.Encoding.UTF8.GetBytes(_protector.Unprotect(row.Secret)));
    }

    internal async Task DeliveredAsync(ShopConnection shop, CancellationToken ct)
    {
        shop.LastDeliveryAt = _time.GetUtcNow();
        await _db.SaveChangesAsync(ct);
    }

    private static ShopDto ToDto(ShopConnection s) => new(s.Id, s.Platform, s.Name, $"/hooks/{s.Platform}/{s.Id}", s.SecretHint, s.CreatedAt, s.LastDeliveryAt);
}
