namespace Pulse.Collect.Sources;

/// <summary>What is stored of a client's IP address.</summary>
public enum IpMode
{
    /// <summary>The address as received.</summary>
    Full,
    /// <summary>IPv4 to /24, IPv6 to /48 (the last octet or 80 bits zeroed), as Google Analytics does.</summary>
    Truncate,
    /// <summary>An HMAC of the address with a workspace secret: stable per visitor, not reversible.</summary>
    Pseudonymise,
    /// <summary>Nothing.</summary>
    Drop,
}
