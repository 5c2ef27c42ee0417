using System.Security.Cryptography;
using System.Text;

namespace Pulse.Platform.ApiKeys;

/// <summary>
/// <c>pk_live_</c> followed by 40 base62 characters (about 238 random bits). The first 16
/// characters (<c>pk_live_</c> and 8 more) are the public prefix that finds the stored row.
/// </summary>
public static class ApiKeyFormat
{
    public const string Marker = "pk_live_";
    public const int RandomLength = 40;
    public const int PrefixLength = 16;
    public const int KeyLength = 48;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string NewKey()
    {
        Span<char> chars = stackalloc char[KeyLength];
        Marker.AsSpan().CopyTo(chars);
        for (var i = Marker.Length; i < KeyLength; i++)
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }

    /// <summary>Whether the text has the shape of a key, checked before any database work.</summary>
    public static bool LooksValid(ReadOnlySpan<char> key)
    {
        if (key.Length != KeyLength || !key.StartsWith(Marker, StringComparison.Ordinal))
            return false;
        foreach (var c in key[Marker.Length..])
        {
            if (!char.IsAsciiLetterOrDigit(c))
                return false;
        }
        return true;
    }

    public static string PrefixOf(string key) => key[..PrefixLength];

    public static byte[] Hash(ReadOnlySpan<char> key)
    {
        Span<byte> utf8 = stackalloc byte[KeyLength];
        var n = Encoding.ASCII.GetBytes(key, utf8);
        return SHA256.HashData(utf8[..n]);
    }

    public static bool Matches(ReadOnlySpan<char> key, ReadOnlySpan<byte> storedHash)
    {
        Span<byte> utf8 = stackalloc byte[KeyLength];
        Span<byte> hash = stackalloc byte[32];
        var n = Encoding.ASCII.GetBytes(key, utf8);
        SHA256.HashData(utf8[..n], hash);
        return CryptographicOperations.FixedTimeEquals(hash, storedHash);
    }
}
