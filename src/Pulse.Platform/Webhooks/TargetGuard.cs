using System.Net;
using System.Net.Sockets;

namespace Pulse.Platform.Webhooks;

/// <summary>
/// Keeps user-supplied URLs (destination webhooks) from reaching the server's own network (SSRF):
/// loopback, private, link-local (cloud metadata at 169.254.169.254), carrier-grade NAT, unique
/// local, multicast and reserved addresses are refused unless the operator allows private targets.
/// The URL is checked when it is saved, and every connection is checked again after DNS resolution
/// (<see cref="CreateHandler"/>), so a name that later resolves to a private address (DNS
/// rebinding) is refused too.
/// </summary>
public static class TargetGuard
{
    /// <summary>What is wrong with <paramref name="url"/> as a target, or null when it may be used.</summary>
    public static string? Problem(string? url, bool allowPrivate)
    {
        if (string.IsNullOrWhiteSpace(url))
            return "A URL is required.";
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "The URL must be an absolute http:// or https:// URL.";
        if (uri.UserInfo.Length > 0)
            return "The URL must not carry a user name or password; use the destination's headers or secret.";
        if (uri.HostNameType == UriHostNameType.Basic || uri.Host.Length == 0)
            return "The URL has no valid host.";
        if (uri.Fragment.Length > 0)
            return "The URL must not have a #fragment.";
        if (!allowPrivate)
        {
            if (IPAddress.TryParse(uri.IdnHost.Trim('[', ']'), out var ip) && IsPrivate(ip))
                return $"The address {ip} is on a private, loopback or link-local network; the operator must set Destinations:AllowPrivateNetworkTargets=true to allow it.";
            if (uri.IdnHost.Equals("localhost", StringComparison.OrdinalIgnoreCase) || uri.IdnHost.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
                return "localhost is the server itself; the operator must set Destinations:AllowPrivateNetworkTargets=true to allow it.";
        }
        return null;
    }

    /// <summary>Whether connections to <paramref name="address"/> stay inside the server's networks rather than reach the internet.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address) || address.Equals(IPAddress.Any) || address.Equals(IPAddress.IPv6Any) || address.Equals(IPAddress.IPv6None))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            var b = address.GetAddressBytes();
            return b[0] switch
            {
                0 or 10 or 127 => true,                       // "this network", private, loopback
                100 => b[1] is >= 64 and <= 127,              // carrier-grade NAT 100.64/10
                169 => b[1] == 254,                           // link-local, cloud metadata
                172 => b[1] is >= 16 and <= 31,               // private 172.16/12
                192 => (b[1] == 168) || (b[1] == 0 && b[2] == 0), // private 192.168/16, IETF 192.0.0/24
                198 => b[1] is 18 or 19,                      // benchmarking 198.18/15
                >= 224 => true,                               // multicast 224/4, reserved 240/4, broadcast
                _ => false,
            };
        }
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
        {
            var b = address.GetAddressBytes();
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC;                     // unique local fc00::/7
        }
        return true;
    }

    /// <summary>
    /// An HTTP handler whose every connection goes only to an address that passes
    /// <see cref="IsPrivate"/> (unless <paramref name="allowPrivate"/>), checked after DNS
    /// resolution; a refused target fails the request with an <see cref="HttpRequestException"/>
    /// naming the address.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
            var allowed = allowPrivate ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            if (allowed.Length == 0)
                throw new HttpRequestException($"{host} resolves only to private, loopback or link-local addresses ({string.Join(", ", addresses.Select(a => a.ToString()))}); refused.");
            var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, ct);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    };
}
