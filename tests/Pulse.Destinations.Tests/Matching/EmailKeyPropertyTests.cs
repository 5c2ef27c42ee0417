using CsCheck;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Tests.Matching;

/// <summary>
/// Properties of the e-mail match key over generated addresses written as people and forms send
/// them: any letter case, surrounding white space of several kinds. One person must give one key,
/// or the platforms never match them.
/// </summary>
public sealed class EmailKeyPropertyTests
{
    private static readonly Gen<string> Local = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789_.+-"].Array[1, 12].Select(c => new string(c));
    private static readonly Gen<string> DomainLabel = Gen.Char["abcdefghijklmnopqrstuvwxyz0123456789-"].Array[1, 8].Select(c => new string(c));

    /// <summary>An address in the form the key is made of: lower case, no white space.</summary>
    private static readonly Gen<string> Address =
        from local in Local
        from labels in DomainLabel.Array[2, 4]
        select local + "@" + string.Join('.', labels);

    private static readonly Gen<string> Space = Gen.OneOf(" ", "\t", "\n", "\r\n", "\u00a0", "\u2003").Array[0, 3].Select(s => string.Concat(s));

    /// <summary>The address with some letters upper-cased and white space around it.</summary>
    private static Gen<string> Written(string address) =>
        from upper in Gen.Bool.Array[address.Length]
        from before in Space
        from after in Space
        select before + new string(address.Select((c, i) => upper[i] ? char.ToUpperInvariant(c) : c).ToArray()) + after;

    [Fact]
    public void EveryWayOfWritingAnAddress_GivesItsLowerCaseForm_AndOneHash() =>
        (from address in Address
         from a in Written(address)
         from b in Written(address)
         select (address, a, b))
        .Sample(x =>
        {
            var (address, a, b) = x;
            Assert.Equal(address, MatchKeys.Normalise(MatchField.Email, a));
            Assert.Equal(MatchKeys.Sha256(address), MatchKeys.Hash(MatchField.Email, a));
            Assert.Equal(MatchKeys.Hash(MatchField.Email, a), MatchKeys.Hash(MatchField.Email, b));
        }, iter: 2_000);

    [Fact]
    public void NormalisingTwice_ChangesNothing() =>
        Gen.Frequency((1, Gen.String), (2, Address.SelectMany(Written))).Sample(text =>
        {
            var once = MatchKeys.Normalise(MatchField.Email, text);
            Assert.Equal(once, MatchKeys.Normalise(MatchField.Email, once));
        }, iter: 2_000);

    [Fact]
    public void TextWithoutAnAtSignOrADotAfterIt_GivesNoKey() =>
        Gen.Frequency(
            (2, Gen.String.Where(s => !s.Contains('@', StringComparison.Ordinal) && !MatchKeys.IsSha256(s.Trim().ToLowerInvariant()))),
            (1, from local in Local from label in DomainLabel select local + "@" + label),
            (1, from address in Address select address.Replace("@", "", StringComparison.Ordinal)))
        .Sample(text => Assert.Null(MatchKeys.Normalise(MatchField.Email, text)), iter: 2_000);

    [Fact]
    public void AnAddressHashedBySomeoneElse_IsPassedThrough_InWhateverCaseItCame() =>
        (from address in Address
         from upper in Gen.Bool
         from before in Space
         select (address, upper, before))
        .Sample(x =>
        {
            var digest = MatchKeys.Sha256(x.address);
            var sent = x.before + (x.upper ? digest.ToUpperInvariant() : digest);
            Assert.Equal(digest, MatchKeys.Hash(MatchField.Email, sent));
        }, iter: 1_000);
}
