using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Tests.Matching;

/// <summary>
/// Customer fields normalised and hashed as the ad platforms match them. The digests are SHA-256 of
/// the normalised strings, checked with sha256sum; the two phone digests are the ones in Meta's own
/// Conversions API example (docs/destinations-platforms.md, section 7).
/// </summary>
public sealed class MatchKeysTests
{
    [Theory]
    [InlineData(MatchField.Email, " John_Smith@Gmail.com ", "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f")]
    [InlineData(MatchField.Phone, "+1 (425) 123-4567", "6f4fcb9deaeadc8f9746ae76d97ce1239e98b404efe5da3ee0b7149740f89ad6")]
    [InlineData(MatchField.Phone, "0012345678901", "254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4")]
    [InlineData(MatchField.FirstName, "  John", "96d9632f363564cc3032521409cf22a852f2032eec099ed5967c0d000cec607a")]
    [InlineData(MatchField.LastName, "SMITH ", "6627835f988e2c5e50533d491163072d3f4f41f5c8b04630150debb3722ca2dd")]
    [InlineData(MatchField.Gender, "Female", "252f10c83610ebca1a059c0bae8255eba2f95be4d1d7bcfa89d7248a82d9f111")]
    [InlineData(MatchField.Gender, "M", "62c66a7a5dd70c3146618063c344e531e6d4b59e379808443ce962b3abd63c5a")]
    [InlineData(MatchField.DateOfBirth, "1990-01-31", "267b39628557f31a6766b3d7f8823978c276759be4a5c9c52bf868d802ba5a0d")]
    [InlineData(MatchField.DateOfBirth, "31.01.1990", "267b39628557f31a6766b3d7f8823978c276759be4a5c9c52bf868d802ba5a0d")]
    [InlineData(MatchField.City, "Menlo Park", "0007a3d64c01e23d5075203c5977c14e4f7e01a3fc570686fcc50b5e1dd42685")]
    [InlineData(MatchField.State, "CA", "6959097001d10501ac7d54c0bdb8db61420f658f2922cc26e46d536119a31126")]
    [InlineData(MatchField.Zip, "94025-1234", "b9a9cf3cd3723a2e91b7c23ecf68456e872b6e5d86e5cab7f3d45a7302da32c7")]
    [InlineData(MatchField.Country, "US", "79adb2a2fce5c6ba215fe5f27f532d4e7edbac4b6a5e09e1ef3a08084a904621")]
    public void Hash_MatchesTheKnownDigestOfTheNormalisedValue(MatchField field, string value, string sha256) =>
        Assert.Equal(sha256, MatchKeys.Hash(field, value));

    [Theory]
    [InlineData(MatchField.Phone, "+48 600-100-200", null, "48600100200")]
    [InlineData(MatchField.Phone, "0048 600 100 200", null, "48600100200")]
    [InlineData(MatchField.Phone, "600 100 200", "48", "48600100200")]
    [InlineData(MatchField.Phone, "600 100 200", null, "600100200")]
    [InlineData(MatchField.Zip, "SW1A 1AA", null, "sw1a1aa")]
    [InlineData(MatchField.City, "Kraków", null, "kraków")]
    [InlineData(MatchField.Country, " p.l ", null, "pl")]
    [InlineData(MatchField.DateOfBirth, "19900131", null, "19900131")]
    [InlineData(MatchField.DateOfBirth, "1990-01-31T23:30:00-05:00", null, "19900131")]
    [InlineData(MatchField.Gender, "kobieta", null, "f")]
    [InlineData(MatchField.ExternalId, " Customer-42 ", null, "customer-42")]
    public void Normalise_FollowsThePlatformsRules(MatchField field, string value, string? callingCode, string expected) =>
        Assert.Equal(expected, MatchKeys.Normalise(field, value, callingCode));

    [Theory]
    [InlineData(MatchField.Email, "not-an-email")]
    [InlineData(MatchField.Email, "a@b")]
    [InlineData(MatchField.Phone, "12-34")]
    [InlineData(MatchField.Phone, "+1 234 567 890 123 456 7")]
    [InlineData(MatchField.Gender, "other")]
    [InlineData(MatchField.DateOfBirth, "1990-02-30")]
    [InlineData(MatchField.DateOfBirth, "yesterday")]
    [InlineData(MatchField.DateOfBirth, "1850-01-01")]
    [InlineData(MatchField.Country, "Poland")]
    [InlineData(MatchField.Country, "XX")]
    [InlineData(MatchField.City, "123 -.")]
    [InlineData(MatchField.Email, "   ")]
    [InlineData(MatchField.Email, null)]
    public void Values_ThatCannotMatch_AreLeftOut_NotHashed(MatchField field, string? value)
    {
        Assert.Null(MatchKeys.Normalise(field, value));
        Assert.Null(MatchKeys.Hash(field, value));
    }

    [Theory]
    [InlineData("+39 06 1234 5678", null, "390612345678")]          // Italy: the leading 0 belongs to the number
    [InlineData("06 1234 5678", "39", "390612345678")]
    [InlineData("0039 06-1234-5678", null, "390612345678")]
    [InlineData("07911 123456", "44", "447911123456")]               // UK: the trunk 0 is dropped
    [InlineData("+44 (0)7911 123456", null, "447911123456")]
    [InlineData("(0) 7911 123-456", "44", "447911123456")]
    [InlineData("+1 (425) 123-4567", null, "14251234567")]
    [InlineData("(425) 123-4567", "1", "14251234567")]
    [InlineData("425.123.4567", "1", "14251234567")]
    [InlineData("1 425 123 4567", "1", "14251234567")]
    [InlineData("14251234567", null, "14251234567")]                 // digits with the country code, as Meta asks for
    [InlineData("+48 600 100 200", "1", "48600100200")]              // a + wins over the default
    [InlineData("0048 600 100 200", "1", "48600100200")]
    [InlineData("48 600 100 200", "48", "48600100200")]
    [InlineData("600-100-200", "48", "48600100200")]
    [InlineData("(22) 123 45 67", "48", "48221234567")]
    public void Phone_IsE164WithoutThePlus(string value, string? callingCode, string expected) =>
        Assert.Equal(expected, MatchKeys.Normalise(MatchField.Phone, value, callingCode));

    [Theory]
    [InlineData("12-34", "48")]
    [InlineData("+48 600", null)]
    [InlineData("call me maybe", "48")]
    [InlineData("+", null)]
    [InlineData("--()--", "44")]
    [InlineData("+1 234 567 890 123 456 7", null)]
    [InlineData("123", null)]
    [InlineData("600 100 200", "999")]                               // no country has calling code 999
    public void Phone_ThatIsNoPossibleNumber_IsLeftOut_NotHashed(string value, string? callingCode)
    {
        Assert.Null(MatchKeys.Normalise(MatchField.Phone, value, callingCode));
        Assert.Null(MatchKeys.Hash(MatchField.Phone, value, callingCode));
    }

    [Fact]
    public void AValueHashedByTheSender_IsPassedThrough_NotHashedTwice()
    {
        const string digest = "62a14e44f765419d10fea99367361a727c12365e2520f32218d505ed9aa0f62f";
        Assert.Equal(digest, MatchKeys.Hash(MatchField.Email, digest));
        Assert.Equal(digest, MatchKeys.Hash(MatchField.Email, digest.ToUpperInvariant()));
        Assert.Equal(digest, MatchKeys.Hash(MatchField.Phone, digest));
    }
}
