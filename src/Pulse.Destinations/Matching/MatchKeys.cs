using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Pulse.Destinations.Matching;

/// <summary>The customer fields an ad platform matches people by ("advanced matching").</summary>
public enum MatchField
{
    Email,
    Phone,
    FirstName,
    LastName,
    Gender,
    DateOfBirth,
    City,
    State,
    Zip,
    Country,
    ExternalId,
}

/// <summary>
/// Normalises customer fields the way the ad platforms require before hashing them, and hashes
/// them (SHA-256, lowercase hex). The rules follow Meta's Conversions API ("customer information
/// parameters" and its SDK's normaliser; see docs/destinations-platforms.md, 1.5), which TikTok and
/// LinkedIn share for e-mail and phone. A value that cannot be normalised (an e-mail without a
/// domain, a gender that is neither f nor m, a country that is no ISO 3166 code) gives null: it is
/// left out rather than sent as a hash that can never match. A value that already is a SHA-256
/// hex digest is passed through, so senders that hash on their side are not hashed twice.
/// </summary>
internal static partial class MatchKeys
{
    private const string UnknownRegion = "ZZ";
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    /// <summary>The normalised form of <paramref name="value"/>, or null when it cannot be one.</summary>
    /// <param name="callingCode">For phones written without a country code: the country calling code of the country they are dialled in (for example 48 for Poland, 39 for Italy); without it such numbers are taken to start with their country code.</param>
    public static string? Normalise(MatchField field, string? value, string? callingCode = null)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var v = value.Trim().ToLowerInvariant();
        if (IsSha256(v))
            return v;
        return field switch
        {
            MatchField.Email => EmailPattern().IsMatch(v) ? v : null,
            MatchField.Phone => Phone(v, callingCode),
            MatchField.FirstName or MatchField.LastName => v,
            MatchField.Gender => v switch
            {
                "f" or "female" or "woman" or "w" or "k" or "kobieta" => "f",
                "m" or "male" or "man" or "mężczyzna" => "m",
                _ => null,
            },
            MatchField.DateOfBirth => DateOfBirth(v),
            MatchField.City or MatchField.State => Nonempty(PlacePunctuation().Replace(v, "")),
            MatchField.Zip => Nonempty(Whitespace().Replace(v, "").Split('-')[0]),
            MatchField.Country => Country(v),
            MatchField.ExternalId => v,
            _ => throw new ArgumentOutOfRangeException(nameof(field)),
        };
    }

    /// <summary>The SHA-256 of the normalised value (lowercase hex), or null when it cannot be normalised.</summary>
    public static string? Hash(MatchField field, string? value, string? callingCode = null) =>
        Normalise(field, value, callingCode) is { } n ? (IsSha256(n) ? n : Sha256(n)) : null;

    public static string Sha256(string normalised) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(normalised)));

    public static bool IsSha256(string value) => value.Length == 64 && HexDigest().IsMatch(value);

    /// <summary>
    /// E.164 without its <c>+</c> (digits with the country code, as Meta and TikTok match them),
    /// by libphonenumber: "+1 (425) 123-4567" is 14251234567, "0048 600 100 200" is 48600100200,
    /// Italy's "+39 06 1234 5678" keeps its 0 (390612345678) while the UK's "07911 123456" drops
    /// its trunk 0 (447911123456 with calling code 44). A number without <c>+</c> or <c>00</c> is
    /// read as dialled in the country of <paramref name="callingCode"/>, or, without one, as digits
    /// that start with the country code. Null when it is no possible number.
    /// </summary>
    private static string? Phone(string v, string? callingCode)
    {
        if (v.StartsWith("00", StringComparison.Ordinal))
            v = "+" + v[2..];
        var region = UnknownRegion;
        if (!v.StartsWith('+'))
        {
            if (callingCode is { Length: > 0 } cc && int.TryParse(cc, NumberStyles.None, CultureInfo.InvariantCulture, out var code))
                region = Phones.GetRegionCodeForCountryCode(code);
            else
                v = "+" + v;
        }
        try
        {
            var number = Phones.Parse(v, region);
            return Phones.IsPossibleNumber(number) ? Phones.Format(number, PhoneNumberFormat.E164)[1..] : null;
        }
        catch (NumberParseException)
        {
            return null;
        }
    }

    /// <summary>YYYYMMDD from an ISO date (1990-01-31), a date-time, or YYYYMMDD; null for anything else or an impossible date.</summary>
    private static string? DateOfBirth(string v)
    {
        string[] formats = ["yyyyMMdd", "yyyy-MM-dd", "yyyy/MM/dd", "dd.MM.yyyy"];
        DateOnly d;
        if (DateOnly.TryParseExact(v, formats, CultureInfo.InvariantCulture, DateTimeStyles.None, out var exact))
            d = exact;
        else if (DateTimeOffset.TryParse(v, CultureInfo.InvariantCulture, DateTimeStyles.None, out var dt))
            d = DateOnly.FromDateTime(dt.DateTime); // the date as written, not shifted to UTC
        else
            return null;
        return d.Year >= 1900 ? d.ToString("yyyyMMdd", CultureInfo.InvariantCulture) : null;
    }

    /// <summary>An ISO 3166-1 alpha-2 code in lower case, from the code in any case ("PL", "pl", " p.l "); null when it is no country.</summary>
    private static string? Country(string v)
    {
        var letters = new string(v.Where(char.IsAsciiLetter).ToArray());
        if (letters.Length != 2)
            return null;
        try
        {
            return new RegionInfo(letters).TwoLetterISORegionName.Equals(letters, StringComparison.OrdinalIgnoreCase) ? letters : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private static string? Nonempty(string v) => v.Length == 0 ? null : v;

    [GeneratedRegex("^[a-z0-9_.+-]+@[a-z0-9-]+\\.[a-z0-9-.]+$")]
    private static partial Regex EmailPattern();

    [GeneratedRegex("^[a-f0-9]{64}$")]
    private static partial Regex HexDigest();

    [GeneratedRegex("[0-9.\\s\\-()]")]
    private static partial Regex PlacePunctuation();

    [GeneratedRegex("\\s")]
    private static partial Regex Whitespace();
}
