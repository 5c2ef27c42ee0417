using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Influence.Conversions;
using Pulse.Platform.Access;
using Pulse.Platform.Http;

namespace Pulse.Influence.Shops;

/// <summary>
/// Orders and refunds from shops by signed webhook. Shopify signs the raw body with HMAC-SHA256
/// under the app's client secret in <c>X-Shopify-Hmac-Sha256</c> (base64) and names the topic in
/// <c>X-Shopify-Topic</c> (<c>orders/create</c>, <c>refunds/create</c>, <c>orders/cancelled</c>);
/// WooCommerce signs it the same way in <c>X-WC-Webhook-Signature</c> with the topic in
/// <c>X-WC-Webhook-Topic</c> (<c>order.created</c>, <c>order.updated</c>). Orders become
/// conversions through <see cref="ConversionService"/>, so an order sent twice (shops retry) is
/// recorded once; topics Pulse does not use are acknowledged and ignored.
/// </summary>
public static class ShopWebhooks
{
    public const int MaxBody = 2 * 1024 * 1024;

    public static IEndpointRouteBuilder MapShopWebhooks(this IEndpointRouteBuilder app)
    {
        app.MapPost("/hooks/shopify/{id:guid}", (Guid id, HttpContext http) => ReceiveAsync(http, "shopify", id)).ExcludeFromDescription().AllowAnonymous().DisableAntiforgery();
        app.MapPost("/hooks/woocommerce/{id:guid}", (Guid id, HttpContext http) => ReceiveAsync(http, "woocommerce", id)).ExcludeFromDescription().AllowAnonymous().DisableAntiforgery();
        return app;
    }

    private static async Task<IResult> ReceiveAsync(HttpContext http, string platform, Guid id)
    {
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
            size.MaxRequestBodySize = MaxBody;
        var ct = http.RequestAborted;
        using var buffer = new MemoryStream();
        await http.Request.Body.CopyToAsync(buffer, ct);
        var body = buffer.ToArray();
        var shops = http.RequestServices.GetRequiredService<ShopService>();
        var shop = await shops.ForWebhookAsync(platform, id, ct);
        if (shop is not { } s)
            return Problem(404, ProblemTypes.NotFound, "Not found", "No such shop connection.");
        var header = platform == "shopify" ? "X-Shopify-Hmac-Sha256" : "X-WC-Webhook-Signature";
        var topic = http.Request.Headers[platform == "shopify" ? "X-Shopify-Topic" : "X-WC-Webhook-Topic"].ToString();
        // WooCommerce pings a new webhook with a form body (webhook_id=…) and no topic.
        if (platform == "woocommerce" && topic.Length == 0 && System.Text.Encoding.UTF8.GetString(body).StartsWith("webhook_id=", StringComparison.Ordinal))
            return Results.Ok();
        if (!SignatureMatches(s.Secret, body, http.Request.Headers[header].ToString()))
            return Problem(401, ProblemTypes.Unauthorized, "Bad signature", $"{header} is missing or does not match the body signed with this shop's secret.");
        JsonElement json;
        try
        {
            using var doc = JsonDocument.Parse(body);
            json = doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            return Problem(400, ProblemTypes.BadRequest, "Malformed payload", $"The body is not JSON: {e.Message}");
        }
        if (json.ValueKind != JsonValueKind.Object)
            return Problem(400, ProblemTypes.BadRequest, "Malformed payload", "The body is not a JSON object.");
        var conversions = http.RequestServices.GetRequiredService<ConversionService>();
        var actor = new Actor(ActorKinds.System, platform, $"{platform}:{s.Shop.Name}", s.Shop.WorkspaceId, WorkspaceRole.Owner);
        try
        {
            var handled = platform == "shopify"
                ? await ShopifyAsync(conversions, actor, topic, json, ct)
                : await WooCommerceAsync(conversions, actor, topic, json, ct);
            await shops.DeliveredAsync(s.Shop, ct);
            return Results.Json(new Dictionary<string, string> { ["result"] = handled }, statusCode: 200);
        }
        catch (PayloadException e)
        {
            return Problem(400, ProblemTypes.BadRequest, "Malformed payload", e.Message);
        }
    }

    private static bool SignatureMatches(byte[] secret, byte[] body, string header)
    {
        if (header.Length == 0)
            return false;
        byte[] given;
        try
        {
            given = Convert.FromBase64String(header.Trim());
        }
        catch (FormatException)
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(secret, body), given);
    }

    private static async Task<string> ShopifyAsync(ConversionService conversions, Actor actor, string topic, JsonElement o, CancellationToken ct)
    {
        switch (topic)
        {
            case "orders/create" or "orders/paid":
            {
                var request = new ConversionRequest(Id(o, "id"), Money(o, "total_price"), Text(o, "currency"), "sale",
                    o.TryGetProperty("customer", out var c) && c.ValueKind == JsonValueKind.Object ? Id(c, "id", required: false) : null,
                    Text(o, "email") ?? (c.ValueKind == JsonValueKind.Object ? Text(c, "email") : null),
                    Items(o, "line_items", i => new ItemDto(Text(i, "sku"), Text(i, "title"), Text(i, "product_type"), Int(i, "quantity"), Money(i, "price"))),
                    o.TryGetProperty("discount_codes", out var codes) && codes.ValueKind == JsonValueKind.Array && codes.GetArrayLength() > 0 ? Text(codes[0], "code") : null,
                    ClickId(Text(o, "landing_site"), o, "note_attributes", "name"),
                    Time(o, "created_at"));
                var (_, created) = await conversions.RecordAsync(actor, request, "shopify", ct);
                return created ? "recorded" : "already recorded";
            }
            case "refunds/create":
            {
                decimal amount = 0;
                if (o.TryGetProperty("transactions", out var tx) && tx.ValueKind == JsonValueKind.Array)
                {
                    foreach (var t in tx.EnumerateArray())
                    {
                        if (Text(t, "kind") == "refund" && Text(t, "status") is null or "success")
                            amount += Money(t, "amount") ?? 0;
                    }
                }
                if (amount == 0 && o.TryGetProperty("refund_line_items", out var lines) && lines.ValueKind == JsonValueKind.Array)
                    amount = lines.EnumerateArray().Sum(l => Money(l, "subtotal") ?? 0);
                if (amount <= 0)
                    return "nothing refunded";
                await conversions.RefundAsync(actor, Id(o, "order_id")!, new RefundRequest(amount, "shopify:" + Id(o, "id"), Text(o, "note")), cancel: false, ct);
                return "refunded";
            }
            case "orders/cancelled":
                await conversions.RefundAsync(actor, Id(o, "id")!, new RefundRequest(null, "shopify:cancel", Text(o, "cancel_reason")), cancel: true, ct);
                return "cancelled";
            default:
                return "ignored";
        }
    }

    private static async Task<string> WooCommerceAsync(ConversionService conversions, Actor actor, string topic, JsonElement o, CancellationToken ct)
    {
        if (topic is not ("order.created" or "order.updated"))
            return "ignored";
        var orderId = Id(o, "id")!;
        var status = Text(o, "status");
        string? recorded = null;
        try
        {
            recorded = (await conversions.GetAsync(actor, orderId, ct)).Status;
        }
        catch (NotFoundException)
        {
        }
        var result = "ignored";
        // A WooCommerce order is a sale once it is paid (processing or completed); pending and on-hold ones are not yet.
        if (recorded is null && status is "processing" or "completed" or "refunded")
        {
            var coupons = o.TryGetProperty("coupon_lines", out var cl) && cl.ValueKind == JsonValueKind.Array && cl.GetArrayLength() > 0 ? Text(cl[0], "code") : null;
            var request = new ConversionRequest(orderId, Money(o, "total"), Text(o, "currency"), "sale",
                Id(o, "customer_id", required: false) is { } cid && cid != "0" ? cid : null,
                o.TryGetProperty("billing", out var b) && b.ValueKind == JsonValueKind.Object ? Text(b, "email") : null,
                Items(o, "line_items", i => new ItemDto(Text(i, "sku"), Text(i, "name"), null, Int(i, "quantity"), Money(i, "price"))),
                coupons, ClickId(null, o, "meta_data", "key"), Time(o, "date_created_gmt", utc: true) ?? Time(o, "date_created"));
            await conversions.RecordAsync(actor, request, "woocommerce", ct);
            recorded = "completed";
            result = "recorded";
        }
        if (recorded is null)
            return result;
        if (o.TryGetProperty("refunds", out var refunds) && refunds.ValueKind == JsonValueKind.Array)
        {
            foreach (var r in refunds.EnumerateArray())
            {
                var amount = Math.Abs(Money(r, "total") ?? 0);
                if (amount > 0)
                {
                    await conversions.RefundAsync(actor, orderId, new RefundRequest(amount, "woocommerce:" + Id(r, "id"), Text(r, "reason")), cancel: false, ct);
                    result = "refunded";
                }
            }
        }
        if (status is "cancelled" or "failed" && recorded != "cancelled")
        {
            await conversions.RefundAsync(actor, orderId, new RefundRequest(null, "woocommerce:cancel", status), cancel: true, ct);
            result = "cancelled";
        }
        return result;
    }

    /// <summary>The <c>pclid</c> of a landing address, or of a note attribute / meta entry named pclid.</summary>
    private static string? ClickId(string? landing, JsonElement o, string list, string nameField)
    {
        if (landing is { } l && l.IndexOf("pclid=", StringComparison.Ordinal) is var at and >= 0)
        {
            var v = l[(at + 6)..];
            var end = v.IndexOfAny(['&', '#']);
            return end >= 0 ? v[..end] : v;
        }
        if (o.TryGetProperty(list, out var entries) && entries.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in entries.EnumerateArray())
            {
                if (e.ValueKind == JsonValueKind.Object && Text(e, nameField) is "pclid" or "_pclid")
                    return Text(e, "value");
            }
        }
        return null;
    }

    private static List<ItemDto>? Items(JsonElement o, string name, Func<JsonElement, ItemDto> map) =>
        o.TryGetProperty(name, out var items) && items.ValueKind == JsonValueKind.Array
            ? items.EnumerateArray().Where(i => i.ValueKind == JsonValueKind.Object).Take(ConversionService.MaxItems).Select(map).ToList()
            : null;

    private static string? Id(JsonElement o, string name, bool required = true)
    {
        if (o.TryGetProperty(name, out var v))
        {
            if (v.ValueKind == JsonValueKind.Number)
                return v.GetRawText();
            if (v.ValueKind == JsonValueKind.String && v.GetString() is { Length: > 0 } s)
                return s;
        }
        return required ? throw new PayloadException($"The payload has no {name}.") : null;
    }

    private static string? Text(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static int? Int(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var n) ? n : null;

    /// <summary>Shops send money as strings ("403.00"); numbers are taken too.</summary>
    private static decimal? Money(JsonElement o, string name)
    {
        if (!o.TryGetProperty(name, out var v) || v.ValueKind == JsonValueKind.Null)
            return null;
        if (v.ValueKind == JsonValueKind.Number && v.TryGetDecimal(out var d))
            return d;
        if (v.ValueKind == JsonValueKind.String && decimal.TryParse(v.GetString(), NumberStyles.Number, CultureInfo.InvariantCulture, out var s))
            return s;
        throw new PayloadException($"{name} is not an amount: {v.GetRawText()}.");
    }

    private static DateTimeOffset? Time(JsonElement o, string name, bool utc = false)
    {
        if (Text(o, name) is not { } t)
            return null;
        var styles = utc ? DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal : DateTimeStyles.AssumeUniversal;
        return DateTimeOffset.TryParse(t, CultureInfo.InvariantCulture, styles, out var at) ? at : throw new PayloadException($"{name} is not a time: {t}.");
    }

    private static IResult Problem(int status, string type, string title, string detail) => Results.Problem(detail, statusCode: status, title: title, type: type);

    private sealed class PayloadException(string message) : Exception(message);
}
