namespace Pulse.Influence.Fraud;

/// <summary>A rule that fired on a creator's conversion: its score, the evidence, and what a person decided.</summary>
internal sealed class FraudFlag
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid CreatorId { get; set; }
    public Guid? ConversionId { get; set; }
    public required string Rule { get; set; }
    /// <summary>0–100: how sure the rule is.</summary>
    public int Score { get; set; }
    /// <summary>What the rule saw, in words a person can check.</summary>
    public required string Evidence { get; set; }
    /// <summary>open, approved (not fraud), rejected (commissions cancelled) or banned (and the creator banned).</summary>
    public required string State { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public string? ResolvedBy { get; set; }
    public DateTimeOffset? ResolvedAt { get; set; }
}

public sealed record FraudFlagDto(Guid Id, Guid CreatorId, string? CreatorName, Guid? ConversionId, string? OrderId, string Rule, int Score, string Evidence,
    string State, DateTimeOffset CreatedAt, string? ResolvedBy, DateTimeOffset? ResolvedAt);

/// <param name="Action">approve (not fraud: held commissions go back to pending), reject (cancel them) or ban (cancel them and ban the creator).</param>
public sealed record ResolveFlagRequest(string? Action, string? Note = null);
