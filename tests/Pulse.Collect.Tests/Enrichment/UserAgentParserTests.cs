using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Tests.Enrichment;

public sealed class UserAgentParserTests
{
    private static readonly UserAgentParser Parser = new();

    [Theory]
    [InlineData("Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36", "Chrome", "120.0.0", "Windows", "desktop")]
    [InlineData("Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1", "Mobile Safari", "17.0", "iOS", "mobile")]
    [InlineData("Mozilla/5.0 (iPad; CPU OS 16_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.6 Mobile/15E148 Safari/604.1", "Mobile Safari", "16.6", "iOS", "tablet")]
    [InlineData("Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/121.0.0.0 Mobile Safari/537.36", "Chrome Mobile", "121.0.0", "Android", "mobile")]
    [InlineData("Mozilla/5.0 (Macintosh; Intel Mac OS X 10.15; rv:125.0) Gecko/20100101 Firefox/125.0", "Firefox", "125.0", "Mac OS X", "desktop")]
    public void Parse_NamesBrowserSystemAndDevice(string ua, string browser, string version, string os, string device)
    {
        var info = Parser.Parse(ua);
        Assert.Equal(browser, info.Browser);
        Assert.Equal(version, info.BrowserVersion);
        Assert.Equal(os, info.Os);
        Assert.Equal(device, info.DeviceType);
        Assert.False(info.IsBot);
    }

    [Theory]
    [InlineData("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)")]
    [InlineData("Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm) Chrome/116.0.1938.76 Safari/537.36")]
    [InlineData("facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)")]
    [InlineData("python-requests/2.31.0")]
    [InlineData("curl/8.5.0")]
    public void Parse_FlagsRobots(string ua)
    {
        var info = Parser.Parse(ua);
        Assert.True(info.IsBot, ua);
        Assert.Equal("bot", info.DeviceType);
        Assert.False(string.IsNullOrEmpty(info.BotName));
    }
}
