namespace Pulse.Influence.Conversions;

public sealed record ItemDto(string? Sku, string? Name, string? Category, int? Quantity, decimal? Price);

/// <param name="Type">sale (default) or lead.</param>
/// <param name="OrderId">The shop's order (or lead) id: the same id again is the same conversion.</param>
/// <param name="Amount">What the customer paid, in <paramref name="Currency"/> (ISO 4217); 0 for a lead without value.</param>
/// <param name="Code">The discount code used, if any: it credits the code's creator, even without a click.</param>
/// <param name="ClickId">The <c>pclid</c> the shop kept from the link's landing URL or the <c>pulse_click</c> cookie.</param>
/// <param name="AnonymousId">The visitor's anonymous id in Collect (the tag's <c>ajs_anonymous_id</c>), so attribution finds their journey without a customer id.</param>
/// <param name="Country">Where the customer is (ISO 3166-1 alpha-2), for commission conditions.</param>
/// <param name="Ip">The customer's IP address, for fraud checks (self-referral); never shown to partners.</param>
public sealed record ConversionRequest(
    string? OrderId,
    decimal? Amount,
    string? Currency,
    string? Type = null,
    string? CustomerId = null,
    string? Email = null,
    IReadOnlyList<ItemDto>? Items = null,
    string? Code = null,
    string? ClickId = null,
    DateTimeOffset? OccurredAt = null,
    string? AnonymousId = null,
    string? Country = null,
    string? Ip = null);

public sealed record ConversionDto(
    Guid Id, string Type, string OrderId, string? CustomerId, decimal Amount, string Currency, decimal Refunded, decimal Net, string Status,
    IReadOnlyList<ItemDto>? Items, string? Code, string? ClickId, Guid? CreatorId, Guid? LinkId, string? AttributedBy, string Origin,
    DateTimeOffset OccurredAt, DateTimeOffset CreatedAt);

/// <param name="Amount">How much is refunded; the rest of the order when left out.</param>
/// <param name="RefundId">The shop's refund id: sending it again changes nothing.</param>
public sealed record RefundRequest(decimal? Amount = null, string? RefundId = null, string? Reason = null);
