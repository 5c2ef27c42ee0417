using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Enrichment;

/// <summary>Keeps of a client IP only what the workspace allows.</summary>
internal static class IpPrivacy
{
    public static string? Apply(IPAddress? ip, IpMode mode, byte[] pseudonymKey)
    {
        if (ip is null)
            return null;
        if (ip.IsIPv4MappedToIPv6)
            ip = ip.MapToIPv4();
        return mode switch
        {
            IpMode.Full => ip.ToString(),
            IpMode.Truncate => Truncate(ip).ToString(),
            IpMode.Pseudonymise => "ip_" + Convert.ToHexStringLower(HMACSHA256.HashData(pseudonymKey, Encoding.ASCII.GetBytes(ip.ToString())).AsSpan(0, 12)),
            _ => null,
        };
    }

    /// <summary>IPv4 to its /24, IPv6 to its /48.</summary>
    public static IPAddress Truncate(IPAddress ip)
    {
        var bytes = ip.GetAddressBytes();
        var keep = ip.AddressFamily == AddressFamily.InterNetwork ? 3 : 6;
        for (var i = keep; i < bytes.Length; i++)
            bytes[i] = 0;
        return new IPAddress(bytes);
    }
}
