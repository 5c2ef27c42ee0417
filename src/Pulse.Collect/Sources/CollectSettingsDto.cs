namespace Pulse.Collect.Sources;

/// <summary>How a workspace's incoming events are treated.</summary>
/// <param name="IpMode">Full, Truncate (default), Pseudonymise or Drop.</param>
/// <param name="ConsentDefault">What applies to people who never answered a consent category: Allow (default) or Deny.</param>
public sealed record CollectSettingsDto(string IpMode, string ConsentDefault);
