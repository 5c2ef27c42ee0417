namespace Pulse.Influence.Conversions;

/// <summary>A lead or a sale, once per order id in a workspace, with what was refunded of it.</summary>
internal sealed class Conversion
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    /// <summary>sale or lead.</summary>
    public required string Type { get; set; }
    public required string OrderId { get; set; }
    public string? CustomerId { get; set; }
    /// <summary>Lower case, for self-referral checks; never shown to partners.</summary>
    public string? Email { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    /// <summary>JSON array of {sku, name, category, quantity, price}.</summary>
    public string? Items { get; set; }
    public string? Code { get; set; }
    public string? ClickId { get; set; }
    /// <summary>The visitor's anonymous id in Collect, when known.</summary>
    public string? AnonymousId { get; set; }
    /// <summary>ISO 3166-1 alpha-2, upper case.</summary>
    public string? Country { get; set; }
    /// <summary>For fraud checks only; never shown to partners.</summary>
    public string? Ip { get; set; }
    /// <summary>completed, partially_refunded, refunded or cancelled.</summary>
    public required string Status { get; set; }
    public decimal Refunded { get; set; }
    /// <summary>The creator the sale is credited to at once (by code, else by click); attribution models may split it further.</summary>
    public Guid? CreatorId { get; set; }
    public Guid? LinkId { get; set; }
    /// <summary>code, click or null.</summary>
    public string? AttributedBy { get; set; }
    /// <summary>api, shopify, woocommerce or event.</summary>
    public required string Origin { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A refund or cancellation of a conversion, idempotent by its own id.</summary>
internal sealed class ConversionAdjustment
{
    public Guid Id { get; set; }
    public Guid ConversionId { get; set; }
    /// <summary>The shop's refund id (or one Pulse made), unique per conversion.</summary>
    public required string ExternalId { get; set; }
    /// <summary>refund or cancel.</summary>
    public required string Kind { get; set; }
    public decimal Amount { get; set; }
    public string? Reason { get; set; }
    public DateTimeOffset At { get; set; }
}
