using System.Globalization;
using System.Text;
using CsCheck;
using PhoneNumbers;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Tests.Matching;

/// <summary>
/// Properties of the phone match key over generated numbers of several countries (fixed lines and
/// mobiles, libphonenumber's example numbers with other last digits) written in generated ways.
/// </summary>
public sealed class PhoneKeyPropertyTests
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();
    private static readonly string[] Regions = ["PL", "IT", "GB", "US", "DE", "FR", "ES", "NL", "SE", "CH", "BR", "IN", "JP", "AU"];
    private static readonly string[] Separators = [" ", "-", ".", "  ", " - "];

    /// <summary>A possible number: its country calling code, its national significant number and the region's own national spelling.</summary>
    private static readonly Gen<(string CallingCode, string Significant, string National)> Number =
        from region in Gen.OneOf(Regions)
        from type in Gen.OneOf(PhoneNumberType.FIXED_LINE, PhoneNumberType.MOBILE)
        from tail in Gen.Int[0, 9999]
        select Make(region, type, tail);

    /// <summary>Digits split into groups by generated separators, the first group perhaps in parentheses.</summary>
    private static Gen<string> Written(string digits) =>
        from cuts in Gen.Int[1, 4].Array[0, 4]
        from separators in Gen.OneOf(Separators).Array[5]
        from parenthesised in Gen.Bool
        select Group(digits, cuts, separators, parenthesised);

    [Fact]
    public void FormattingVariantsOfOneNumber_GiveOneKey() =>
        (from n in Number
         from international in Written(n.Significant)
         from national in Written(n.Significant)
         from style in Gen.Int[0, 3]
         select (n, international, national, style))
        .Sample(x =>
        {
            var (n, international, national, style) = x;
            var expected = n.CallingCode + n.Significant;
            var written = style switch
            {
                0 => ("+" + n.CallingCode + " " + international, (string?)null),
                1 => ("00" + n.CallingCode + "-" + international, "1"),
                2 => (n.National, n.CallingCode),
                _ => (TrunkPrefix(n) + national, n.CallingCode),
            };
            var key = MatchKeys.Normalise(MatchField.Phone, written.Item1, written.Item2);
            Assert.True(key == expected, $"'{written.Item1}' (calling code {written.Item2}) gave {key}, not {expected}");
        });

    [Fact]
    public void NormalisingTheE164Output_GivesTheSameKey() =>
        (from n in Number
         from written in Written(n.Significant)
         from other in Gen.OneOf("1", "39", "44", "48", "81")
         select (n, written, other))
        .Sample(x =>
        {
            var (n, written, other) = x;
            var key = MatchKeys.Normalise(MatchField.Phone, TrunkPrefix(n) + written, n.CallingCode);
            Assert.NotNull(key);
            Assert.Equal(key, MatchKeys.Normalise(MatchField.Phone, "+" + key, other));
            Assert.Equal(key, MatchKeys.Normalise(MatchField.Phone, "+" + key, null));
            Assert.Equal(key, MatchKeys.Normalise(MatchField.Phone, key, null));
            Assert.Equal(MatchKeys.Sha256(key), MatchKeys.Hash(MatchField.Phone, "+" + key));
        });

    private static (string, string, string) Make(string region, PhoneNumberType type, int tail)
    {
        var example = Phones.GetExampleNumberForType(region, type);
        var significant = Phones.GetNationalSignificantNumber(example);
        significant = significant[..^4] + tail.ToString("D4", CultureInfo.InvariantCulture);
        var number = Phones.Parse("+" + example.CountryCode.ToString(CultureInfo.InvariantCulture) + significant, "ZZ");
        return (example.CountryCode.ToString(CultureInfo.InvariantCulture), significant, Phones.Format(number, PhoneNumberFormat.NATIONAL));
    }

    /// <summary>What a caller in the country dials before the national significant number: 0 in most of Europe, nothing in Italy, Poland or the US.</summary>
    private static string TrunkPrefix((string CallingCode, string Significant, string National) n)
    {
        var digits = new string(n.National.Where(char.IsAsciiDigit).ToArray());
        return digits.EndsWith(n.Significant, StringComparison.Ordinal) ? digits[..^n.Significant.Length] : "";
    }

    private static string Group(string digits, int[] cuts, string[] separators, bool parenthesised)
    {
        var text = new StringBuilder();
        var at = 0;
        for (var i = 0; i < cuts.Length && at + cuts[i] < digits.Length; i++)
        {
            var group = digits.Substring(at, cuts[i]);
            text.Append(i == 0 && parenthesised ? "(" + group + ")" : group).Append(separators[i]);
            at += cuts[i];
        }
        return text.Append(digits[at..]).ToString();
    }
}
