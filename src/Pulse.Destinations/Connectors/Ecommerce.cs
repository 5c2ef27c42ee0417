using System.Globalization;
using System.Text.Json;

namespace Pulse.Destinations.Connectors;

/// <summary>Segment's e-commerce properties (revenue, currency, order id, products …) read the same way for every platform.</summary>
internal static class Ecommerce
{
    public sealed record Product(string Id, string? Name, double Quantity, double? Price, string? Category);

    public static double? Value(JsonElement p) => Number(p, "revenue") ?? Number(p, "total") ?? Number(p, "value") ?? Number(p, "price");

    public static string? Currency(JsonElement p) => Str(p, "currency");

    /// <summary>The products of the event: <c>products[]</c>, or the event itself when it describes one product (Product Viewed).</summary>
    public static IReadOnlyList<Product> Products(JsonElement p)
    {
        if (p.ValueKind != JsonValueKind.Object)
            return [];
        var list = p.TryGetProperty("products", out var products) && products.ValueKind == JsonValueKind.Array
            ? products.EnumerateArray().Where(x => x.ValueKind == JsonValueKind.Object).ToList()
            : Str(p, "product_id") is not null || Str(p, "sku") is not null ? [p] : [];
        return list.Select(x => (Str(x, "product_id") ?? Str(x, "sku")) is { } id
                ? new Product(id, Str(x, "name"), Number(x, "quantity") ?? 1, Number(x, "price"), Str(x, "category"))
                : null)
            .Where(x => x is not null).Select(x => x!).ToList();
    }

    public static string? Str(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.String => v.GetString(),
            JsonValueKind.Number => v.GetRawText(),
            _ => null,
        } : null;

    public static double? Number(JsonElement o, string name) =>
        o.ValueKind == JsonValueKind.Object && o.TryGetProperty(name, out var v) ? v.ValueKind switch
        {
            JsonValueKind.Number => v.GetDouble(),
            JsonValueKind.String when double.TryParse(v.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
            _ => null,
        } : null;
}
