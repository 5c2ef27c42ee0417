namespace Pulse.Influence.Codes;

/// <param name="Uses">Orders that used the code (cancelled ones left out).</param>
/// <param name="Revenue">Their amounts less refunds, per currency.</param>
public sealed record CodeDto(
    Guid Id, string Code, Guid? CreatorId, string? CreatorName, string? Campaign, int? MaxUses, DateTimeOffset? ValidFrom, DateTimeOffset? ValidTo,
    bool Enabled, string? Discount, int Uses, IReadOnlyDictionary<string, decimal> Revenue, DateTimeOffset CreatedAt);

/// <param name="Code">3–50 of A-Z 0-9 - _ (stored upper case).</param>
/// <param name="MaxUses">1 for single use; null (default) for any number.</param>
public sealed record CreateCodeRequest(string? Code, Guid? CreatorId = null, string? Campaign = null, int? MaxUses = null, DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null, bool? Enabled = null, string? Discount = null);

public sealed record UpdateCodeRequest(Guid? CreatorId = null, string? Campaign = null, int? MaxUses = null, DateTimeOffset? ValidFrom = null,
    DateTimeOffset? ValidTo = null, bool? Enabled = null, string? Discount = null);
