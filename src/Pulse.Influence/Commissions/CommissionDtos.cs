namespace Pulse.Influence.Commissions;

/// <summary>
/// One way to earn: on a sale or lead, a percentage of what was actually paid or a flat amount;
/// for the customer's first order with the creator only (once), for <c>months</c> after it, or for
/// life; only for orders of at least <c>minOrderValue</c>, with items in <c>categories</c> (then the
/// percentage is of those items), from customers in <c>countries</c>; <c>tiers</c> raise the value
/// once the creator has made at least <c>minSales</c> sales in the calendar month.
/// </summary>
public sealed record CommissionRuleDto(
    string? On = "sale",
    string? Type = "percent",
    decimal? Value = null,
    string? Duration = "lifetime",
    int? Months = null,
    decimal? MinOrderValue = null,
    IReadOnlyList<string>? Categories = null,
    IReadOnlyList<string>? Countries = null,
    IReadOnlyList<CommissionTierDto>? Tiers = null);

public sealed record CommissionTierDto(int? MinSales, decimal? Value);

/// <param name="HoldDays">The refund window (default 30): commissions wait this long before approval.</param>
/// <param name="LandingDomains">Hosts the program's partners may link to when they make links in the partner portal (each covers its subdomains); <c>[]</c> clears.</param>
public sealed record ProgramRequest(string? Name, string? Currency, IReadOnlyList<CommissionRuleDto>? Rules, int? HoldDays = null,
    IReadOnlyList<Guid>? CreatorIds = null, bool? Enabled = null, IReadOnlyList<string>? LandingDomains = null);

public sealed record ProgramDto(Guid Id, string Name, string Currency, int HoldDays, IReadOnlyList<CommissionRuleDto> Rules, bool Enabled,
    IReadOnlyList<Guid> CreatorIds, DateTimeOffset CreatedAt, IReadOnlyList<string> LandingDomains);

public sealed record CommissionDto(Guid Id, Guid ProgramId, Guid CreatorId, string? CreatorName, Guid? ConversionId, string? OrderId, string Kind, string RateType,
    decimal Rate, decimal Base, decimal Amount, string Currency, string State, DateTimeOffset EarnedAt, DateTimeOffset AvailableAt, Guid? PayoutId, string? Note);

/// <param name="Ids">The commissions to change.</param>
/// <param name="Action">approve, hold, release (back to pending), reject (cancel).</param>
public sealed record CommissionActionRequest(IReadOnlyList<Guid>? Ids, string? Action, string? Note = null);

/// <summary>A manual commission (a bonus, or a correction when negative).</summary>
public sealed record ManualCommissionRequest(Guid? ProgramId, Guid? CreatorId, decimal? Amount, string? Currency, string? Note);

public sealed record CommissionActionResult(int Changed, IReadOnlyList<Guid> Skipped);

/// <param name="CreatorId">Only this creator; default everyone with a positive approved balance.</param>
/// <param name="Reference">The payment's reference (bank transfer title, batch id).</param>
public sealed record PayoutRequest(Guid? CreatorId = null, string? Currency = null, string? Reference = null);

public sealed record PayoutRecordDto(Guid Id, Guid CreatorId, string? CreatorName, decimal Amount, string Currency, int Commissions, string? Reference, DateTimeOffset CreatedAt, string CreatedBy);

/// <summary>A creator's month: what was owed before it, earned and changed in it, paid, and owed after.</summary>
public sealed record StatementDto(Guid CreatorId, string CreatorName, string Month, string Currency, decimal Opening, decimal Earned, decimal Reversed,
    decimal Paid, decimal Closing, decimal Pending, IReadOnlyList<CommissionDto> Lines);
