namespace Pulse.Influence.Codes;

/// <summary>A discount code a creator shares; a sale that uses it is the creator's even without any click or cookie.</summary>
internal sealed class DiscountCode
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    /// <summary>Upper case; unique in the workspace (shops compare codes without case).</summary>
    public required string Code { get; set; }
    public Guid? CreatorId { get; set; }
    public string? Campaign { get; set; }
    /// <summary>How many orders may use it: 1 for a single-use code, null for no limit.</summary>
    public int? MaxUses { get; set; }
    public DateTimeOffset? ValidFrom { get; set; }
    public DateTimeOffset? ValidTo { get; set; }
    public bool Enabled { get; set; }
    /// <summary>What the shop gives for it, for people (<c>10%</c>, <c>20 PLN</c>); Pulse does not apply discounts.</summary>
    public string? Discount { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
