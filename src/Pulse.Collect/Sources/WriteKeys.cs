using System.Security.Cryptography;

namespace Pulse.Collect.Sources;

/// <summary>Write keys: <c>wk_</c> and 32 base62 characters (~190 bits); they can only ingest.</summary>
internal static class WriteKeys
{
    public const string Prefix = "wk_";
    private const int RandomLength = 32;
    private const string Alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    public static string New() => Prefix + RandomNumberGenerator.GetString(Alphabet, RandomLength);

    /// <summary>Cheap shape check before any lookup, so that garbage never reaches the store.</summary>
    public static bool LooksValid(ReadOnlySpan<char> key)
    {
        if (key.Length != Prefix.Length + RandomLength || !key.StartsWith(Prefix, StringComparison.Ordinal))
            return false;
        foreach (var c in key[Prefix.Length..])
        {
            if (!char.IsAsciiLetterOrDigit(c))
                return false;
        }
        return true;
    }
}
