namespace Pulse.Influence.Shops;

/// <summary>A shop that sends its orders and refunds by signed webhook.</summary>
internal sealed class ShopConnection
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    /// <summary>shopify or woocommerce.</summary>
    public required string Platform { get; set; }
    public required string Name { get; set; }
    /// <summary>The signing secret, encrypted with Data Protection.</summary>
    public required string Secret { get; set; }
    public required string SecretHint { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? LastDeliveryAt { get; set; }
}

/// <param name="WebhookPath">Where the shop sends its webhooks, on this server's public address.</param>
/// <param name="Secret">Masked, except in the answer that creates the connection when Pulse generated it.</param>
public sealed record ShopDto(Guid Id, string Platform, string Name, string WebhookPath, string Secret, DateTimeOffset CreatedAt, DateTimeOffset? LastDeliveryAt);

/// <param name="Platform">shopify or woocommerce.</param>
/// <param name="Secret">Shopify: the app's client secret (it signs webhooks). WooCommerce: the webhook's secret; generated when left out.</param>
public sealed record CreateShopRequest(string? Platform, string? Name, string? Secret);
