namespace Pulse.Collect.Sources;

/// <summary>How a workspace wants its incoming events treated; absent rows mean the defaults.</summary>
internal sealed class CollectSettings
{
    public Guid WorkspaceId { get; set; }
    public IpMode IpMode { get; set; } = IpMode.Truncate;
    public ConsentDefault ConsentDefault { get; set; } = ConsentDefault.Allow;

    /// <summary>Secret of the HMAC that pseudonymises IPs (hex), made on first use.</summary>
    public string PseudonymKey { get; set; } = "";
}
