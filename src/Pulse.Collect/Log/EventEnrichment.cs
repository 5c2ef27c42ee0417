namespace Pulse.Collect.Log;

/// <summary>What Pulse derives from an event when it arrives, stored as columns beside the raw JSON.</summary>
public sealed record EventEnrichment
{
    public string? UtmSource { get; init; }
    public string? UtmMedium { get; init; }
    public string? UtmCampaign { get; init; }
    public string? UtmTerm { get; init; }
    public string? UtmContent { get; init; }
    public string? Fbclid { get; init; }
    public string? Ttclid { get; init; }
    public string? LiFatId { get; init; }
    public string? Gclid { get; init; }
    public string? Msclkid { get; init; }
    public string? ReferrerDomain { get; init; }
    /// <summary>social, search, email, paid, internal, direct or other.</summary>
    public string? ReferrerType { get; init; }
    /// <summary>The network or engine by name (Instagram, Google …) when known.</summary>
    public string? ReferrerName { get; init; }
    public string? PageHost { get; init; }
    public string? PagePath { get; init; }
    public string? Browser { get; init; }
    public string? BrowserVersion { get; init; }
    public string? Os { get; init; }
    public string? OsVersion { get; init; }
    /// <summary>desktop, mobile, tablet, bot or other.</summary>
    public string? DeviceType { get; init; }
    public bool IsBot { get; init; }
    public string? BotName { get; init; }
    /// <summary>The client address as the workspace setting keeps it (full, truncated, pseudonymised or none).</summary>
    public string? Ip { get; init; }
    /// <summary>ISO 3166-1 alpha-2, when the operator provides a GeoIP database.</summary>
    public string? Country { get; init; }
}
