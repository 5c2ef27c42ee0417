using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Collect.Events;
using Pulse.Influence.Codes;
using Pulse.Influence.Links;
using Pulse.Influence.Money;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Influence.Conversions;

/// <summary>
/// Leads and sales, once per order id: the same order again is answered with what was recorded,
/// and the same id with another amount is a conflict. A sale is credited at once to a creator by
/// its discount code (with or without any click), else by its click id within the click window;
/// with <c>Links:CodeBeatsClick</c> (default) a code wins over a click.
/// </summary>
public sealed class ConversionService
{
    public const int MaxItems = 500;
    private const string CursorKind = "conversions";
    private readonly InfluenceDbContext _db;
    private readonly TimeProvider _time;
    private readonly TrackedCounts _clicks;
    private readonly LinksOptions _options;
    private readonly Commissions.CommissionEngine _commissions;

    internal ConversionService(InfluenceDbContext db, TimeProvider time, TrackedCounts clicks, EventFacts events, IOptions<LinksOptions> options)
    {
        _db = db;
        _time = time;
        _clicks = clicks;
        _options = options.Value;
        _commissions = new Commissions.CommissionEngine(db, time, events, options.Value.ClickWindowDays);
    }

    /// <summary>Records the conversion; <c>Created</c> is false when the same order was recorded before (an idempotent repeat).</summary>
    public async Task<(ConversionDto Conversion, bool Created)> RecordAsync(Actor actor, ConversionRequest r, string origin, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var orderId = r.OrderId?.Trim();
        if (string.IsNullOrEmpty(orderId) || orderId.Length > 200 || orderId.Any(char.IsControl))
            errors["orderId"] = ["orderId is 1 to 200 characters: the shop's order (or lead) id."];
        var type = (r.Type ?? "sale").Trim().ToLowerInvariant();
        if (type is not ("sale" or "lead"))
            errors["type"] = ["type is sale (default) or lead."];
        var currency = Currencies.Parse(r.Currency);
        if (currency is null)
            errors["currency"] = [r.Currency is null ? "currency (ISO 4217: PLN, EUR, USD …) is required." : $"'{r.Currency}' is not an ISO 4217 currency code."];
        if (r.Amount is not { } amount)
        {
            errors["amount"] = ["amount is required (0 for a lead without value)."];
            amount = 0;
        }
        else if (amount < 0)
            errors["amount"] = ["amount may not be negative; send refunds to /conversions/{orderId}/refunds."];
        else if (amount > 1_000_000_000_000m || decimal.Round(amount, 4) != amount)
            errors["amount"] = ["amount is at most 1,000,000,000,000 with at most 4 decimals."];
        var email = r.Email?.Trim().ToLowerInvariant();
        if (email is { Length: > 254 } || email is { Length: > 0 } && !email.Contains('@', StringComparison.Ordinal))
            errors["email"] = ["email is not an e-mail address."];
        if (r.CustomerId is { Length: > 200 })
            errors["customerId"] = ["customerId is at most 200 characters."];
        var code = r.Code is { Length: > 0 } ? CodeService.Normalize(r.Code) : null;
        if (r.Code is { Length: > 0 } && code is null)
            errors["code"] = [$"'{r.Code}' is not a discount code (3 to 50 of A-Z, 0-9, '-' and '_')."];
        var clickId = r.ClickId?.Trim();
        if (clickId is { Length: > 0 } && (clickId.Length != 32 || !clickId.All(char.IsAsciiHexDigitLower)))
            errors["clickId"] = ["clickId is the 32-character pclid the link added to the landing URL."];
        if (r.Items is { Count: > MaxItems })
            errors["items"] = [$"At most {MaxItems} items."];
        for (var i = 0; r.Items is not null && i < Math.Min(r.Items.Count, MaxItems); i++)
        {
            var it = r.Items[i];
            if (it is null)
                errors[$"items[{i}]"] = ["An item is an object."];
            else if (it.Price is < 0 || it.Quantity is < 0 or > 1_000_000)
                errors[$"items[{i}]"] = ["An item's price and quantity may not be negative."];
            else if ((it.Category?.Length ?? 0) > 200 || (it.Name?.Length ?? 0) > 500 || (it.Sku?.Length ?? 0) > 200)
                errors[$"items[{i}]"] = ["An item's sku and category are at most 200 characters, its name 500."];
        }
        var anonymousId = r.AnonymousId?.Trim();
        if (anonymousId is { Length: > 200 } || anonymousId is not null && anonymousId.Any(char.IsControl))
            errors["anonymousId"] = ["anonymousId is at most 200 characters without control characters."];
        var country = r.Country?.Trim().ToUpperInvariant();
        if (country is { Length: > 0 } && (country.Length != 2 || !country.All(char.IsAsciiLetterUpper)))
            errors["country"] = [$"'{r.Country}' is not an ISO 3166-1 alpha-2 country code (PL, DE, US …)."];
        var ip = r.Ip?.Trim();
        if (ip is { Length: > 0 } && !System.Net.IPAddress.TryParse(ip, out _))
            errors["ip"] = [$"'{r.Ip}' is not an IPv4 or IPv6 address."];
        var occurred = r.OccurredAt ?? _time.GetUtcNow();
        if (occurred > _time.GetUtcNow().AddDays(1))
            errors["occurredAt"] = ["occurredAt is in the future."];
        if (errors.Count > 0)
            throw new ValidationException(errors);

        var existing = await _db.Conversions.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.OrderId == orderId, ct);
        if (existing is not null)
            return (Same(existing, type, amount, currency!), false);

        var row = new Conversion
        {
            Id = Guid.CreateVersion7(_time.GetUtcNow()),
            WorkspaceId = actor.WorkspaceId,
            Type = type,
            OrderId = orderId!,
            CustomerId = r.CustomerId?.Trim() is { Length: > 0 } cid ? cid : null,
            Email = email is { Length: > 0 } ? email : null,
            Amount = amount,
            Currency = currency!,
            Items = r.Items is { Count: > 0 } ? JsonSerializer.Serialize(r.Items.ToList(), ConversionsStoreJson.Default.ListItemDto) : null,
            Code = code,
            ClickId = clickId is { Length: > 0 } ? clickId : null,
            AnonymousId = anonymousId is { Length: > 0 } ? anonymousId : null,
            Country = country is { Length: > 0 } ? country : null,
            Ip = ip is { Length: > 0 } ? ip : null,
            Status = "completed",
            Origin = origin,
            OccurredAt = occurred,
            CreatedAt = _time.GetUtcNow(),
        };
        await CreditAsync(row, ct);
        _db.Conversions.Add(row);
        await _commissions.OnConversionAsync(row, ct);
        try
        {
            await _db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Another request recorded the same order at the same moment: answer as a repeat.
            _db.ChangeTracker.Clear();
            var raced = await _db.Conversions.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.OrderId == orderId, ct)
                ?? throw new ConflictException($"Order {orderId} could not be recorded; send it again.");
            return (Same(raced, type, amount, currency!), false);
        }
        return (ToDto(row), true);
    }

    public async Task<ConversionDto> RefundAsync(Actor actor, string orderId, RefundRequest r, bool cancel, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceManage);
        var row = await _db.Conversions.FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.OrderId == orderId, ct) ?? throw new NotFoundException($"Order {orderId}");
        var refundId = r.RefundId?.Trim() is { Length: > 0 and <= 200 } rid ? rid : null;
        if (r.RefundId is { Length: > 200 })
            throw new ValidationException("refundId", "refundId is at most 200 characters.");
        if (refundId is not null && await _db.Adjustments.AnyAsync(a => a.ConversionId == row.Id && a.ExternalId == refundId, ct))
            return ToDto(row);
        if (row.Status == "cancelled")
            throw new ConflictException($"Order {orderId} is cancelled; nothing is left to refund.");
        var left = row.Amount - row.Refunded;
        var amount = cancel ? left : r.Amount ?? left;
        if (amount < 0 || decimal.Round(amount, 4) != amount)
            throw new ValidationException("amount", "A refund's amount is positive with at most 4 decimals.");
        if (amount > left)
            throw new ConflictException($"A refund of {amount} {row.Currency} is more than the {left} {row.Currency} left of order {orderId}.");
        if (r.Reason is { Length: > 500 })
            throw new ValidationException("reason", "reason is at most 500 characters.");
        var now = _time.GetUtcNow();
        _db.Adjustments.Add(new ConversionAdjustment
        {
            Id = Guid.CreateVersion7(now), ConversionId = row.Id, ExternalId = refundId ?? Guid.CreateVersion7(now).ToString("N"), Kind = cancel ? "cancel" : "refund",
            Amount = amount, Reason = r.Reason?.Trim(), At = now,
        });
        row.Refunded += amount;
        row.Status = cancel ? "cancelled" : row.Refunded >= row.Amount ? "refunded" : "partially_refunded";
        await _commissions.OnRefundAsync(row, ct);
        await _db.SaveChangesAsync(ct);
        return ToDto(row);
    }

    public async Task<ConversionDto> GetAsync(Actor actor, string orderId, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var row = await _db.Conversions.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == actor.WorkspaceId && c.OrderId == orderId, ct) ?? throw new NotFoundException($"Order {orderId}");
        return ToDto(row);
    }

    public async Task<Page<ConversionDto>> ListAsync(Actor actor, Guid? creatorId, string? code, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.InfluenceRead);
        var query = _db.Conversions.AsNoTracking().Where(c => c.WorkspaceId == actor.WorkspaceId);
        if (creatorId is { } creator)
            query = query.Where(c => c.CreatorId == creator);
        if (CodeService.Normalize(code) is { } k)
            query = query.Where(c => c.Code == k);
        if (page.Cursor is { } cursor)
        {
            var before = Cursor.DecodeGuid(CursorKind, cursor);
            query = query.Where(c => c.Id < before);
        }
        var rows = await query.OrderByDescending(c => c.Id).Take(page.Limit + 1).ToListAsync(ct);
        var items = rows.Take(page.Limit).Select(ToDto).ToList();
        return new Page<ConversionDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Id) : null);
    }

    /// <summary>The creator (and link) a new conversion is credited to: by code, by click, in the configured order.</summary>
    private async Task CreditAsync(Conversion row, CancellationToken ct)
    {
        async Task<bool> ByCode()
        {
            if (row.Code is null)
                return false;
            var code = await _db.Codes.AsNoTracking().FirstOrDefaultAsync(c => c.WorkspaceId == row.WorkspaceId && c.Code == row.Code, ct);
            if (code is not { Enabled: true, CreatorId: not null } || code.ValidFrom > row.OccurredAt || code.ValidTo < row.OccurredAt)
                return false;
            if (code.MaxUses is { } max && await _db.Conversions.CountAsync(c => c.WorkspaceId == row.WorkspaceId && c.Code == row.Code && c.Status != "cancelled", ct) >= max)
                return false;
            (row.CreatorId, row.AttributedBy) = (code.CreatorId, "code");
            return true;
        }
        async Task<bool> ByClick()
        {
            if (row.ClickId is null)
                return false;
            var since = row.OccurredAt.AddDays(-_options.ClickWindowDays);
            var found = await _clicks.BreakdownAsync(row.WorkspaceId, LinkService.ClickEvent, "clickId", row.ClickId, TrackedDimension.Property, "linkId", since, ct);
            if (found.Count == 0 || !Guid.TryParse(found[0].Key, out var linkId))
                return false;
            var link = await _db.Links.AsNoTracking().Where(l => l.Id == linkId && l.WorkspaceId == row.WorkspaceId).Select(l => new { l.Id, l.CreatorId }).FirstOrDefaultAsync(ct);
            if (link is null)
                return false;
            (row.LinkId, row.CreatorId, row.AttributedBy) = (link.Id, link.CreatorId, "click");
            return true;
        }
        if (_options.CodeBeatsClick)
        {
            if (!await ByCode())
                await ByClick();
        }
        else if (!await ByClick())
            await ByCode();
    }

    private static ConversionDto Same(Conversion existing, string type, decimal amount, string currency)
    {
        if (existing.Amount != amount || existing.Currency != currency || existing.Type != type)
        {
            throw new ConflictException($"Order {existing.OrderId} was recorded as a {existing.Type} of {existing.Amount} {existing.Currency}; this request says a {type} of {amount} {currency}. "
                + "An order id names one order; send refunds to /conversions/{orderId}/refunds.");
        }
        return ToDto(existing);
    }

    private static ConversionDto ToDto(Conversion c) => new(
        c.Id, c.Type, c.OrderId, c.CustomerId, c.Amount, c.Currency, c.Refunded, c.Amount - c.Refunded, c.Status,
        c.Items is null ? null : JsonSerializer.Deserialize(c.Items, ConversionsStoreJson.Default.ListItemDto), c.Code, c.ClickId, c.CreatorId, c.LinkId, c.AttributedBy, c.Origin,
        c.OccurredAt, c.CreatedAt);
}

[System.Text.Json.Serialization.JsonSerializable(typeof(List<ItemDto>))]
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
internal sealed partial class ConversionsStoreJson : System.Text.Json.Serialization.JsonSerializerContext;
