using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pulse.Platform.Alerts;

/// <summary>
/// The <c>Pulse-Signature</c> header of outgoing webhooks: <c>t=&lt;unix seconds&gt;,v1=&lt;hex HMAC-SHA256&gt;</c>
/// over <c>"&lt;t&gt;.&lt;body&gt;"</c>, keyed with the UTF-8 bytes of the workspace's signing secret.
/// </summary>
public static class AlertSigner
{
    public const string Header = "Pulse-Signature";
    private const string SecretPrefix = "whsec_";

    public static string NewSecret() => SecretPrefix + RandomNumberGenerator.GetHexString(64, lowercase: true);

    public static string Sign(string secret, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var t = unixSeconds.ToString(CultureInfo.InvariantCulture);
        var prefix = Encoding.UTF8.GetBytes(t + ".");
        var message = new byte[prefix.Length + body.Length];
        prefix.CopyTo(message, 0);
        body.CopyTo(message.AsSpan(prefix.Length));
        var mac = HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), message);
        return $"t={t},v1={Convert.ToHexStringLower(mac)}";
    }

    /// <summary>Checks a header against a body, as a receiver would (constant-time comparison).</summary>
    public static bool Verify(string secret, string header, ReadOnlySpan<byte> body)
    {
        long t = -1;
        string? v1 = null;
        foreach (var part in header.Split(','))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal) && long.TryParse(part.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
                t = parsed;
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
                v1 = part[3..];
        }
        if (t < 0 || v1 is null)
            return false;
        var expected = Sign(secret, t, body);
        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(expected), Encoding.ASCII.GetBytes($"t={t},v1={v1}"));
    }
}
