using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Tests.Bugs;

/// <summary>
/// Found by PageUrlPropertyTests: the fast road took a host System.Uri refuses, a value cut at 500
/// characters could end in half a surrogate pair, and the Uri road decoded Uri's re-escaped query
/// differently from what was sent.
/// </summary>
public sealed class Issue_page_url_edges
{
    [Theory]
    [InlineData("https://9.-cx.example.bb/p?utm_source=x")]
    [InlineData("https://1.-a.example/p")]
    public void HostWithALabelStartingWithAHyphen_IsParsedAsSystemUriParsesIt(string url) =>
        Assert.Equal(PageUrl.ParseWithUri(url), PageUrl.Parse(url));

    [Fact]
    public void ValueOfMoreThan500Characters_IsNotCutInsideASurrogatePair()
    {
        var value = new string('a', PageUrl.MaxValueLength - 1) + "😀😀";
        var info = PageUrl.Parse("https://shop.example/p?utm_campaign=" + Uri.EscapeDataString(value));
        Assert.Equal(new string('a', PageUrl.MaxValueLength - 1), info.UtmCampaign);
    }

    [Fact]
    public void StrayPercentBeforeANonAsciiCharacter_ComesBackAsSent_OnBothRoads()
    {
        const string url = "https://shop.example/a b?utm_content=%9😀";
        Assert.Equal("%9😀", PageUrl.Parse(url).UtmContent);
        Assert.Equal("%9😀", PageUrl.Parse("https://shop.example/p?utm_content=%9😀").UtmContent);
    }
}
