using System.Collections.Frozen;
using System.Globalization;

namespace Pulse.Influence.Money;

/// <summary>ISO 4217 currency codes in use: those of every country .NET's ICU data knows, plus the few that belong to no single country.</summary>
public static class Currencies
{
    private static readonly FrozenSet<string> Codes = CultureInfo.GetCultures(CultureTypes.SpecificCultures)
        .Select(c =>
        {
            try
            {
                return new RegionInfo(c.Name).ISOCurrencySymbol;
            }
            catch (ArgumentException)
            {
                return null;
            }
        })
        .Where(c => c is { Length: 3 } && c.All(char.IsAsciiLetterUpper))
        .Concat(["EUR", "USD", "GBP", "CHF", "XAF", "XOF", "XCD", "XPF"])
        .ToFrozenSet(StringComparer.Ordinal)!;

    /// <summary>The code in upper case, or null when it is no currency in use.</summary>
    public static string? Parse(string? code)
    {
        var v = code?.Trim().ToUpperInvariant();
        return v is { Length: 3 } && Codes.Contains(v) ? v : null;
    }
}
