namespace Pulse.Influence.Commissions;

/// <summary>An affiliate or influencer program: what its creators earn (its rules) and how long earnings wait for refunds.</summary>
internal sealed class AffiliateProgram
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Name { get; set; }
    /// <summary>The currency flat amounts are paid in (ISO 4217).</summary>
    public required string Currency { get; set; }
    /// <summary>The refund window: a commission waits this many days on pending before it can be approved.</summary>
    public int HoldDays { get; set; }
    /// <summary>Space-separated host names partners may link to from the portal (a host also covers its subdomains); none: partners use the links they are given.</summary>
    public string? LandingDomains { get; set; }
    /// <summary>JSON array of <see cref="CommissionRuleDto"/>, checked.</summary>
    public required string Rules { get; set; }
    public bool Enabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A creator taking part in a program.</summary>
internal sealed class ProgramMember
{
    public Guid ProgramId { get; set; }
    public Guid CreatorId { get; set; }
    public DateTimeOffset JoinedAt { get; set; }
}

/// <summary>
/// What a creator earned from one conversion under one program's rule (or a manual change, or the
/// claw-back of a paid one). States: pending → approved → paid; on_hold (a fraud flag or a person);
/// cancelled (refunded or rejected before payout); a negative clawback for a refund after payout.
/// </summary>
internal sealed class Commission
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid ProgramId { get; set; }
    public Guid CreatorId { get; set; }
    public Guid? ConversionId { get; set; }
    /// <summary>sale, lead, manual or clawback.</summary>
    public required string Kind { get; set; }
    /// <summary>percent or flat: how <see cref="Amount"/> follows the conversion when it is refunded.</summary>
    public required string RateType { get; set; }
    public decimal Rate { get; set; }
    /// <summary>What the commission was computed on (the amount paid, or the matching items' part of it).</summary>
    public decimal Base { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public required string State { get; set; }
    public DateTimeOffset EarnedAt { get; set; }
    /// <summary>The end of the holding period: approval waits for it.</summary>
    public DateTimeOffset AvailableAt { get; set; }
    public Guid? PayoutId { get; set; }
    public string? Note { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One payment to a creator in one currency: the approved commissions (less claw-backs) it settles.</summary>
internal sealed class Payout
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid CreatorId { get; set; }
    public decimal Amount { get; set; }
    public required string Currency { get; set; }
    public int Commissions { get; set; }
    public string? Reference { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
}

/// <summary>The states a commission passes through.</summary>
public static class CommissionStates
{
    public const string Pending = "pending";
    public const string OnHold = "on_hold";
    public const string Approved = "approved";
    public const string Paid = "paid";
    public const string Cancelled = "cancelled";
    public static IReadOnlyList<string> All { get; } = [Pending, OnHold, Approved, Paid, Cancelled];
}
