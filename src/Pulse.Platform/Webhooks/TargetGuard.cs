using System.Net;
using System.Net.Sockets;

namespace Pulse.Platform.Webhooks;

/// <summary>
/// Keeps user-supplied URLs (alert and destination webhooks, API base URLs) from reaching the
/// server's own network (SSRF): loopback, private, link-local (cloud metadata at 169.254.169.254),
/// carrier-grade NAT, unique local, multicast and reserved addresses are refused unless the operator
/// allows private targets (<see cref="OutboundTargets"/>). The URL is checked when it is saved, and
/// every connection is checked again after DNS resolution (<see cref="CreateHandler"/>), so a name
/// that later resolves to a private address (DNS rebinding) is refused too; redirects are not followed.
/// </summary>
public static class TargetGuard
{
    /// <summary>What is wrong with <paramref name="url"/> as a target, or null when it may be used.</summary>
    /// <remarks>
    /// <see cref="Uri"/> turns the other spellings of an IPv4 address (<c>0x7f000001</c>,
    /// <c>2130706433</c>, <c>127.1</c>, <c>0177.0.0.1</c>, full-width digits in the IDN host) into
    /// the dotted form before the check; a trailing dot (<c>localhost.</c>, <c>127.0.0.1.</c>) is
    /// dropped here so that it cannot hide a host either.
    /// </remarks>
    public static string? Problem(string? url, bool allowPrivate)
    {
        if (string.IsNullOrWhiteSpace(url))
            return "A URL is required.";
        if (!Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
            return "The URL must be an absolute http:// or https:// URL.";
        if (uri.UserInfo.Length > 0)
            return "The URL must not carry a user name or password; send credentials in headers or rely on the signing secret.";
        if (uri.HostNameType == UriHostNameType.Basic || uri.Host.Length == 0)
            return "The URL has no valid host.";
        if (uri.Fragment.Length > 0)
            return "The URL must not have a #fragment.";
        if (!allowPrivate)
        {
            var host = uri.IdnHost.Trim('[', ']').TrimEnd('.');
            if (IPAddress.TryParse(host, out var ip) && IsPrivate(ip))
                return $"The address {ip} is on a private, loopback or link-local network; the operator must set {OutboundTargets.Setting}=true to allow it.";
            if (host.Equals("localhost", StringComparison.OrdinalIgnoreCase) || host.EndsWith(".localhost", StringComparison.OrdinalIgnoreCase))
                return $"localhost is the server itself; the operator must set {OutboundTargets.Setting}=true to allow it.";
        }
        return null;
    }

    private static ReadOnlySpan<byte> Nat64Prefix => [0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0];

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
            if (b.AsSpan(0, 12).IndexOfAnyExcept((byte)0) < 0)
                return true;                                  // IPv4-compatible ::a.b.c.d (deprecated)
            if (b.AsSpan(0, 12).SequenceEqual(Nat64Prefix))
                return IsPrivate(new IPAddress(b.AsSpan(12)));  // NAT64 64:ff9b::a.b.c.d reaches a.b.c.d
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6Multicast
                || (b[0] & 0xFE) == 0xFC;                     // unique local fc00::/7
        }
        return true;
    }

    /// <summary>
    /// An HTTP handler whose every connection goes only to an address that passes
    /// <see cref="IsPrivate"/> (unless <paramref name="allowPrivate"/>), checked after DNS
    /// resolution, and that follows no redirects (a redirect could lead into the private network).
    /// A refused target fails the request with an <see cref="HttpRequestException"/> whose inner
    /// exception is a <see cref="TargetRefusedException"/>.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(bool allowPrivate) => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        AllowAutoRedirect = false,
        ConnectCallback = async (context, ct) =>
        {
            var host = context.DnsEndPoint.Host;
            var addresses = IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, ct);
            var allowed = allowPrivate ? addresses : addresses.Where(a => !IsPrivate(a)).ToArray();
            // The addresses stay out of the message: it is shown to the workspace, and a private name's addresses are the operator's business.
            if (allowed.Length == 0)
                throw new TargetRefusedException($"{host} resolves only to private, loopback or link-local addresses; refused (the operator can allow them with {OutboundTargets.Setting}=true).");
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
