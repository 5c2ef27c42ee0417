using System.Text.Json;
using System.Text.RegularExpressions;
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

    private static string[] CrawlerPatterns()
    {
        using var json = JsonDocument.Parse(UserAgentParser.Resource("crawler-user-agents.json"));
        return json.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    [Fact]
    public void CrawlerPlainWords_AreExactlyWhatTheirPatternsMatch()
    {
        var words = 0;
        foreach (var pattern in CrawlerPatterns())
        {
            if (UserAgentParser.PlainWord(pattern) is not { } word)
                continue;
            words++;
            Assert.Equal(word, Regex.Match("<" + word + ">", pattern, RegexOptions.CultureInvariant).Value);
        }
        // Most of the list is plain words (the point of searching them all at once); the rest are regular expressions.
        Assert.InRange(words, 1000, 1499);
        Assert.Null(UserAgentParser.PlainWord("^Seekbot"));
        Assert.Null(UserAgentParser.PlainWord("[wW]get"));
        Assert.Equal("Googlebot/", UserAgentParser.PlainWord("Googlebot\\/"));
    }

    [Fact]
    public void IsCrawler_AgreesWithTryingEveryPatternInTurn_OnUapCoresCorpus()
    {
        var each = CrawlerPatterns().Select(p => new Regex(p, RegexOptions.CultureInvariant)).ToArray();
        var agents = UapCoreCorpusTests.Cases("test_ua.yaml").Select(c => c["user_agent_string"]!)
            .Concat(["Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)", "Wget/1.21", "Seekbot/1.0", "AdsBot-Google"]).ToArray();
        var bots = 0;
        foreach (var ua in agents)
        {
            var expected = each.Any(r => r.IsMatch(ua));
            Assert.True(expected == Parser.IsCrawler(ua), ua);
            bots += expected ? 1 : 0;
        }
        // The corpus holds robots and browsers both, so the agreement covers both answers.
        Assert.InRange(bots, 20, agents.Length - 500);
    }
}
