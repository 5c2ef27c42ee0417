using Pulse.Influence.Creators;

namespace Pulse.Influence.Tests.Creators;

[Trait("Storage", "embedded")]
public sealed class CreatorInputTests
{
    [Theory]
    [InlineData(SocialPlatform.Instagram, "@Anna_Fit", "anna_fit")]
    [InlineData(SocialPlatform.Instagram, "https://www.instagram.com/anna_fit/?hl=pl", "anna_fit")]
    [InlineData(SocialPlatform.Instagram, "instagram.com/kuba.runs", "kuba.runs")]
    [InlineData(SocialPlatform.Tiktok, "https://www.tiktok.com/@Kuba.Runs", "kuba.runs")]
    [InlineData(SocialPlatform.Youtube, "youtube.com/@AnnaFit", "annafit")]
    [InlineData(SocialPlatform.Youtube, "https://www.youtube.com/c/AnnaFitness", "annafitness")]
    [InlineData(SocialPlatform.X, "https://twitter.com/anna_fit", "anna_fit")]
    [InlineData(SocialPlatform.Linkedin, "https://www.linkedin.com/in/anna-kowalska-123/", "anna-kowalska-123")]
    [InlineData(SocialPlatform.Facebook, "m.facebook.com/anna.fit.pl", "anna.fit.pl")]
    public void Handles_AreReadAsPeoplePasteThem(SocialPlatform platform, string text, string expected)
    {
        var (handle, error) = Handles.Parse(platform, text);
        Assert.Null(error);
        Assert.Equal(expected, handle);
    }

    [Theory]
    [InlineData(SocialPlatform.Instagram, "anna fit")]
    [InlineData(SocialPlatform.Instagram, ".anna")]
    [InlineData(SocialPlatform.Instagram, "anna..fit")]
    [InlineData(SocialPlatform.Instagram, "https://www.tiktok.com/@anna")]
    [InlineData(SocialPlatform.Instagram, "javascript:alert(1)")]
    [InlineData(SocialPlatform.X, "this_is_far_too_long_for_x")]
    [InlineData(SocialPlatform.Tiktok, "a")]
    [InlineData(SocialPlatform.Facebook, "abc")]
    [InlineData(SocialPlatform.Instagram, "аnna")] // Cyrillic а: a look-alike is no handle
    [InlineData(SocialPlatform.Linkedin, "https://www.linkedin.com/")]
    public void Handles_OutsideThePlatformsRules_AreRefused_SayingWhy(SocialPlatform platform, string text)
    {
        var (handle, error) = Handles.Parse(platform, text);
        Assert.Null(handle);
        Assert.NotNull(error);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(9_999L, "nano")]
    [InlineData(10_000L, "micro")]
    [InlineData(99_999L, "micro")]
    [InlineData(100_000L, "mid")]
    [InlineData(500_000L, "macro")]
    [InlineData(999_999L, "macro")]
    [InlineData(1_000_000L, "mega")]
    public void Tiers_FollowTheGlossary(long? followers, string? tier) => Assert.Equal(tier, Tiers.Of(followers));

    [Theory]
    [InlineData("12500", 12_500L)]
    [InlineData("12,500", 12_500L)]
    [InlineData("12 500", 12_500L)]
    [InlineData("12.5k", 12_500L)]
    [InlineData("1.2M", 1_200_000L)]
    [InlineData("many", null)]
    [InlineData("-5", null)]
    public void FollowerCounts_AreReadAsPeopleWriteThem(string text, long? expected) => Assert.Equal(expected, FollowerCount.Parse(text));

    [Theory]
    [InlineData("PL61109010140000071219812874", true)]
    [InlineData("DE89370400440532013000", true)]
    [InlineData("GB82WEST12345698765432", true)]
    [InlineData("PL61109010140000071219812875", false)]
    [InlineData("DE00370400440532013000", false)]
    public void Ibans_AreCheckedByTheirCheckDigits(string iban, bool valid) => Assert.Equal(valid, CreatorInput.IbanValid(iban));
}
