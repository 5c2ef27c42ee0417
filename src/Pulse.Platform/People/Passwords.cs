using System.Security.Cryptography;
using Microsoft.AspNetCore.Identity;
using Pulse.Platform.Access;

namespace Pulse.Platform.People;

/// <summary>Passwords Pulse makes up itself: for <c>pulse user add</c> without one, and the demo's people.</summary>
public static class Passwords
{
    private const string Lower = "abcdefghijkmnopqrstuvwxyz";
    private const string Upper = "ABCDEFGHJKLMNPQRSTUVWXYZ";
    private const string Digits = "23456789";

    /// <summary>A random password that meets any policy Pulse allows (length 20, mixed classes).</summary>
    public static string Generate()
    {
        const string all = Lower + Upper + Digits;
        Span<char> chars = stackalloc char[20];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = all[RandomNumberGenerator.GetInt32(all.Length)];
        chars[3] = Lower[RandomNumberGenerator.GetInt32(Lower.Length)];
        chars[8] = Upper[RandomNumberGenerator.GetInt32(Upper.Length)];
        chars[13] = Digits[RandomNumberGenerator.GetInt32(Digits.Length)];
        chars[16] = '-';
        return new string(chars);
    }

    public static void ThrowIfFailed(IdentityResult result, string field)
    {
        if (result.Succeeded)
            return;
        throw new ValidationException(new Dictionary<string, string[]>
        {
            [field] = result.Errors.Select(e => e.Description).ToArray(),
        });
    }
}
