using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Pulse.Platform.Webhooks;

/// <summary>Why a signature was refused; <see cref="Valid"/> when it was not.</summary>
public enum SignatureCheck
{
    Valid,
    /// <summary>No <c>t=</c> timestamp, or one that is not a number.</summary>
    Malformed,
    /// <summary>No <c>v1=</c> signature at all.</summary>
    NoSignature,
    /// <summary>Signatures present, none made with the secret over this body and timestamp.</summary>
    Mismatch,
    /// <summary>Signed longer ago than the tolerance (a replay), or too far in the future.</summary>
    OutsideTolerance,
}

/// <summary>
/// Pulse's webhook signature, made as Stripe makes its own: the header
/// <c>Pulse-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;…]</c>, where each
/// <c>v1</c> is the lowercase hex HMAC-SHA256, keyed with one of the destination's secrets (its
/// UTF-8 bytes), of <c>"&lt;t&gt;." + raw body</c>. While a secret is being rotated both the new and
/// the old one sign, so a receiver that still knows only the old secret keeps accepting deliveries;
/// a receiver accepts a delivery when any <c>v1</c> matches its secret. The timestamp stops
/// replays: receivers refuse signatures older than a tolerance (five minutes by default). Alerts
/// and destinations' webhooks sign the same way (docs/webhooks.md shows receivers how to check).
/// </summary>
public static class WebhookSignature
{
    public const string Header = "Pulse-Signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromMinutes(5);
    private const string SecretPrefix = "whsec_";

    /// <summary>A new signing secret: <c>whsec_</c> and 256 random bits in hex.</summary>
    public static string NewSecret() => SecretPrefix + RandomNumberGenerator.GetHexString(64, lowercase: true);

    /// <summary>The header value for <paramref name="body"/> sent at <paramref name="timestamp"/>, signed with each secret in turn.</summary>
    public static string Sign(ReadOnlySpan<byte> body, DateTimeOffset timestamp, IReadOnlyList<string> secrets)
    {
        if (secrets.Count == 0)
            throw new ArgumentException("At least one secret signs a delivery.", nameof(secrets));
        var t = timestamp.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var header = new StringBuilder("t=").Append(t);
        foreach (var secret in secrets)
            header.Append(",v1=").Append(Convert.ToHexStringLower(Mac(secret, t, body)));
        return header.ToString();
    }

    /// <summary>Checks a received header the way a receiver should (docs/webhooks.md shows the same check in other languages).</summary>
    public static SignatureCheck Verify(string? header, ReadOnlySpan<byte> body, string secret, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (string.IsNullOrEmpty(header))
            return SignatureCheck.Malformed;
        string? t = null;
        var signatures = new List<string>();
        foreach (var part in header.Split(','))
        {
            var eq = part.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
                continue;
            var key = part[..eq].Trim();
            var value = part[(eq + 1)..].Trim();
            if (key == "t")
                t = value;
            else if (key == "v1")
                signatures.Add(value);
        }
        if (t is null || !long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            return SignatureCheck.Malformed;
        if (signatures.Count == 0)
            return SignatureCheck.NoSignature;
        var expected = Mac(secret, t, body);
        var matched = false;
        foreach (var s in signatures)
        {
            // Compare in constant time; a signature that is not hex of the right length never matches.
            if (s.Length == expected.Length * 2 && TryHex(s, out var given) && CryptographicOperations.FixedTimeEquals(given, expected))
                matched = true;
        }
        if (!matched)
            return SignatureCheck.Mismatch;
        var age = now - DateTimeOffset.FromUnixTimeSeconds(seconds);
        var limit = tolerance ?? DefaultTolerance;
        return age > limit || age < -limit ? SignatureCheck.OutsideTolerance : SignatureCheck.Valid;
    }

    private static byte[] Mac(string secret, string t, ReadOnlySpan<byte> body)
    {
        // Incremental: a batch body can be megabytes, and copying it behind the prefix cost a large allocation per signature.
        using var mac = IncrementalHash.CreateHMAC(HashAlgorithmName.SHA256, Encoding.UTF8.GetBytes(secret));
        mac.AppendData(Encoding.UTF8.GetBytes(t + "."));
        mac.AppendData(body);
        return mac.GetHashAndReset();
    }

    private static bool TryHex(string s, out byte[] bytes)
    {
        try
        {
            bytes = Convert.FromHexString(s);
            return true;
        }
        catch (FormatException)
        {
            bytes = [];
            return false;
        }
    }
}
