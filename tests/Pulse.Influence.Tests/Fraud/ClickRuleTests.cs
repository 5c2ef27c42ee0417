using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Fraud;

/// <summary>
/// The rules on the click behind an order and on creators, each firing on its case and quiet on
/// the honest one. Clicks are put on the log as the redirect's recorder puts them (a
/// <c>Link Clicked</c> track with the click id as message id), so that each can come from the
/// address, client and referrer its case needs; one test goes through the real redirect. Both storage modes.
/// </summary>
public sealed class ClickRuleTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
    private TestServer Server => fixture.Server;

    private sealed record Tenant(string Key, Guid Creator, Guid Link, string WriteKey);

    private async Task<JsonElement> Ok(HttpMethod method, string path, string key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, key, body);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    private async Task<Tenant> TenantAsync(string? ipMode = null)
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        if (ipMode is not null)
            await Ok(HttpMethod.Patch, "/api/v1/collect/settings", key, new { ipMode }, HttpStatusCode.OK);
        var creator = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna", handles = new[] { new { platform = "instagram", handle = "anna_fit" } } }, HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = creator }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "P", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { creator } }, HttpStatusCode.Created);
        var link = (await Ok(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/", creatorId = creator, platform = "instagram" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var writeKey = (await Ok(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" }, HttpStatusCode.Created)).GetProperty("writeKey").GetString()!;
        return new Tenant(key, creator, link, writeKey);
    }

    // One "now" per test (xUnit makes an instance per test): a click and its order, timed from it, keep the gap the test gives them however slow the machine is.
    private readonly DateTimeOffset _now = TimeProvider.System.GetUtcNow();
    private DateTimeOffset Now => _now;
    private string At(TimeSpan offset) => (Now + offset).ToString("O", CultureInfo.InvariantCulture);

    private object Click(Tenant t, string clickId, string anon, TimeSpan at, string ip = "83.24.10.5", string ua = Iphone,
        string? referrer = "https://l.instagram.com/", string? query = null) => new
    {
        type = "track", @event = "Link Clicked", messageId = clickId, anonymousId = anon, timestamp = At(at),
        properties = new { linkId = t.Link.ToString(), slug = "anna", clickId, creatorId = t.Creator.ToString(), platform = "instagram", via = "link",
            destination = $"https://shop.example/{(query is null ? "?" : query + "&")}pclid={clickId}" },
        context = new { ip, userAgent = ua, page = new { url = "https://pulse.example/l/anna", referrer } },
    };

    private object Page(string anon, TimeSpan at, string url, string referrer = "") => new
    {
        type = "page", messageId = Guid.NewGuid().ToString(), anonymousId = anon, timestamp = At(at),
        context = new { ip = "83.24.10.5", userAgent = Iphone, page = new { url, referrer } },
    };

    private async Task BatchAsync(Tenant t, IEnumerable<object> messages)
    {
        foreach (var chunk in messages.Chunk(100))
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(JsonSerializer.Serialize(new { batch = chunk }), Encoding.UTF8, "application/json") };
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(t.WriteKey + ":")));
            var res = await Server.Client.SendAsync(req);
            TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        }
    }

    /// <summary>An honest journey: the click from Instagram on a phone, the landing page with its click id, the order ten minutes later.</summary>
    private async Task<string> HonestAsync(Tenant t, string order, Func<string, IEnumerable<object>>? clicks = null, TimeSpan? orderAfter = null, bool landing = true)
    {
        var clickId = Guid.NewGuid().ToString("N");
        var anon = "anon-" + order;
        var messages = (clicks ?? (id => [Click(t, id, anon, TimeSpan.FromMinutes(-30))]))(clickId).ToList();
        if (landing)
            messages.Add(Page(anon, TimeSpan.FromMinutes(-30) + TimeSpan.FromSeconds(2), $"https://shop.example/?pclid={clickId}", "https://l.instagram.com/"));
        // Another visitor browses the shop meanwhile: the tag is installed.
        messages.Add(Page("someone-else", TimeSpan.FromMinutes(-25), "https://shop.example/products/shoes"));
        await BatchAsync(t, messages);
        await Ok(HttpMethod.Post, "/api/v1/conversions", t.Key, new
        {
            orderId = order, amount = 100m, currency = "PLN", clickId, anonymousId = anon,
            occurredAt = At(TimeSpan.FromMinutes(-30) + (orderAfter ?? TimeSpan.FromMinutes(10))),
        }, HttpStatusCode.Created);
        return clickId;
    }

    private async Task<List<JsonElement>> FlagsAsync(string key) => (await Ok(HttpMethod.Get, "/api/v1/fraud/flags", key)).EnumerateArray().ToList();

    private async Task<List<string?>> RulesAsync(string key) => (await FlagsAsync(key)).Select(f => f.GetProperty("rule").GetString()).Order(StringComparer.Ordinal).ToList();

    private async Task<string?> CommissionStateAsync(string key, string order) =>
        (await Ok(HttpMethod.Get, "/api/v1/commissions", key)).GetProperty("items").EnumerateArray()
            .Single(c => c.GetProperty("orderId").GetString() == order).GetProperty("state").GetString();

    [Fact]
    public async Task AnHonestJourney_RaisesNoFlag_AndItsCommissionIsPending()
    {
        var t = await TenantAsync();
        await HonestAsync(t, "OK-1");
        Assert.Empty(await RulesAsync(t.Key));
        Assert.Equal("pending", await CommissionStateAsync(t.Key, "OK-1"));
    }

    [Fact]
    public async Task AClickFromABot_IsFlagged_ThroughTheRealRedirect()
    {
        var t = await TenantAsync();
        var slug = (await Ok(HttpMethod.Get, $"/api/v1/links/{t.Link}", t.Key)).GetProperty("slug").GetString();
        async Task<string> ClickAsync(string ua)
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, "/l/" + slug);
            req.Headers.TryAddWithoutValidation("User-Agent", ua);
            var location = (await Server.Client.SendAsync(req)).Headers.Location!.OriginalString;
            return location[(location.IndexOf("pclid=", StringComparison.Ordinal) + 6)..];
        }
        var bot = await ClickAsync("Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)");
        var person = await ClickAsync(Iphone);
        await Eventually.UntilAsync(async () => (await Ok(HttpMethod.Get, $"/api/v1/links/{t.Link}", t.Key)).GetProperty("clicks").GetInt64() == 2,
            TimeSpan.FromSeconds(30), () => "both clicks on the log");
        // A minute later, so that only the bot rule can fire.
        await Ok(HttpMethod.Post, "/api/v1/conversions", t.Key, new { orderId = "B-1", amount = 100m, currency = "PLN", clickId = bot, occurredAt = At(TimeSpan.FromMinutes(1)) }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", t.Key, new { orderId = "B-2", amount = 100m, currency = "PLN", clickId = person, occurredAt = At(TimeSpan.FromMinutes(1)) }, HttpStatusCode.Created);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal(("bot_click", "B-1"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
        Assert.Contains("Googlebot", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Equal("on_hold", await CommissionStateAsync(t.Key, "B-1"));
        Assert.Equal("pending", await CommissionStateAsync(t.Key, "B-2"));
    }

    [Fact]
    public async Task AClickFromADataCentre_IsFlagged()
    {
        var t = await TenantAsync();
        await HonestAsync(t, "DC-1", id => [Click(t, id, "anon-DC-1", TimeSpan.FromMinutes(-30), ip: "159.203.17.4")]);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal("datacenter_ip", flag.GetProperty("rule").GetString());
        Assert.Contains("digitalocean", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains("159.203.0.0/16", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task TwentyClicksFromOneIpInAnHour_AreSpam_AndTheSameSpreadOverHoursAreNot()
    {
        var spam = await TenantAsync("Full");
        await HonestAsync(spam, "V-1", id => Enumerable.Range(1, 19).Select(i => Click(spam, Guid.NewGuid().ToString("N"), "bot-" + i, TimeSpan.FromMinutes(-30 - 2 * i)))
            .Append(Click(spam, id, "anon-V-1", TimeSpan.FromMinutes(-30))));
        var flag = Assert.Single(await FlagsAsync(spam.Key));
        Assert.Equal("click_velocity_ip", flag.GetProperty("rule").GetString());
        Assert.Contains("20 clicks", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);

        var slow = await TenantAsync("Full");
        await HonestAsync(slow, "V-2", id => Enumerable.Range(1, 19).Select(i => Click(slow, Guid.NewGuid().ToString("N"), "fan-" + i, TimeSpan.FromMinutes(-30 - 20 * i)))
            .Append(Click(slow, id, "anon-V-2", TimeSpan.FromMinutes(-30))));
        Assert.Empty(await RulesAsync(slow.Key));

        // Where addresses are kept only to their network (the default), twenty clicks from one network are a crowd, not spam.
        var truncated = await TenantAsync();
        await HonestAsync(truncated, "V-3", id => Enumerable.Range(1, 19).Select(i => Click(truncated, Guid.NewGuid().ToString("N"), "fan-" + i, TimeSpan.FromMinutes(-30 - 2 * i)))
            .Append(Click(truncated, id, "anon-V-3", TimeSpan.FromMinutes(-30))));
        Assert.Empty(await RulesAsync(truncated.Key));
    }

    [Fact]
    public async Task SixtyClicksFromOneNetwork_AreAFarm_AndSixtyFromManyNetworksAreNot()
    {
        foreach (var mode in new[] { "Full", "Truncate" })
        {
            var farm = await TenantAsync(mode);
            await HonestAsync(farm, "N-1", id => Enumerable.Range(1, 59).Select(i => Click(farm, Guid.NewGuid().ToString("N"), "bot-" + i, TimeSpan.FromMinutes(-31), ip: $"83.24.10.{i + 10}"))
                .Append(Click(farm, id, "anon-N-1", TimeSpan.FromMinutes(-30))));
            var flag = Assert.Single(await FlagsAsync(farm.Key));
            Assert.Equal("click_velocity_subnet", flag.GetProperty("rule").GetString());
            Assert.Contains("60 clicks", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
            Assert.Contains("83.24.10.0/24", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        }

        var crowd = await TenantAsync("Full");
        await HonestAsync(crowd, "N-2", id => Enumerable.Range(1, 59).Select(i => Click(crowd, Guid.NewGuid().ToString("N"), "fan-" + i, TimeSpan.FromMinutes(-31), ip: $"83.{i + 30}.10.7"))
            .Append(Click(crowd, id, "anon-N-2", TimeSpan.FromMinutes(-30))));
        Assert.Empty(await RulesAsync(crowd.Key));
    }

    [Fact]
    public async Task AnOrderSecondsAfterItsClick_IsFlagged()
    {
        var t = await TenantAsync();
        await HonestAsync(t, "F-1", orderAfter: TimeSpan.FromSeconds(8));
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal("click_to_order_fast", flag.GetProperty("rule").GetString());
        Assert.Contains("8 seconds", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClickNobodyLandedFrom_IsFlagged_WhenTheShopRecordsPageViews()
    {
        var t = await TenantAsync();
        var clickId = await HonestAsync(t, "L-1", landing: false);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal("click_without_visit", flag.GetProperty("rule").GetString());
        Assert.Contains(clickId, flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClickFromWhereTheLinkWasNotPosted_IsFlagged_AndOneWithoutReferrerIsNot()
    {
        var t = await TenantAsync();
        await HonestAsync(t, "M-1", id => [Click(t, id, "anon-M-1", TimeSpan.FromMinutes(-30), referrer: "https://kody-rabatowe.example/sklep")]);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal("referrer_mismatch", flag.GetProperty("rule").GetString());
        Assert.Contains("kody-rabatowe.example", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
        // Apps often send no referrer at all: that is no evidence.
        await HonestAsync(t, "M-2", id => [Click(t, id, "anon-M-2", TimeSpan.FromMinutes(-30), referrer: null)]);
        Assert.Single(await FlagsAsync(t.Key));
    }

    [Fact]
    public async Task AClickFromAPaidSearchAd_IsBrandBidding()
    {
        var t = await TenantAsync();
        await HonestAsync(t, "G-1", id => [Click(t, id, "anon-G-1", TimeSpan.FromMinutes(-30), referrer: "https://www.google.com/", query: "?gclid=Cj0KCQiA")]);
        var rules = await RulesAsync(t.Key);
        // From Google to an Instagram link is also a referrer mismatch; the ad is the stronger evidence.
        Assert.Equal(["brand_keyword_bidding", "referrer_mismatch"], rules);
        Assert.Contains("gclid", (await FlagsAsync(t.Key)).Single(f => f.GetProperty("rule").GetString() == "brand_keyword_bidding").GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ACodeUsedByAVisitorFromACouponSite_WithNoClick_IsFlagged_AndOneFromTheCreatorsPostIsNot()
    {
        var t = await TenantAsync();
        await BatchAsync(t, [
            Page("deal-hunter", TimeSpan.FromMinutes(-20), "https://shop.example/", "https://www.pepper.example/deals/shoes"),
            Page("fan", TimeSpan.FromMinutes(-20), "https://shop.example/?utm_source=anna_fit&utm_medium=influencer", "https://l.instagram.com/"),
        ]);
        foreach (var (order, anon) in new[] { ("K-1", "deal-hunter"), ("K-2", "fan"), ("K-3", "never-seen") })
            await Ok(HttpMethod.Post, "/api/v1/conversions", t.Key, new { orderId = order, amount = 100m, currency = "PLN", code = "ANNA10", anonymousId = anon, occurredAt = At(TimeSpan.FromMinutes(-5)) }, HttpStatusCode.Created);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal(("coupon_without_click", "K-1"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
        Assert.Contains("pepper.example", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The creator signs in to the partner portal from a home address with a phone; orders and clicks from them are their own.</summary>
    private async Task<Tenant> PartnerTenantAsync(string signInIp, string signInAgent)
    {
        var t = await TenantAsync();
        await Ok(HttpMethod.Patch, $"/api/v1/creators/{t.Creator}", t.Key, new { email = $"anna-{Guid.NewGuid():N}@fit.example" });
        var user = (await Ok(HttpMethod.Post, $"/api/v1/creators/{t.Creator}/portal-access", t.Key, new { })).GetProperty("userId").GetGuid();
        await using var scope = Server.App.Services.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<Pulse.Influence.Partners.PartnerAccessService>().RecordSignInAsync(user, signInIp, signInAgent, default);
        return t;
    }

    [Fact]
    public async Task AnOrderFromTheAddressTheCreatorSignsInFrom_IsSelfReferral_AndOneFromElsewhereIsNot()
    {
        var t = await PartnerTenantAsync("198.51.100.7", Iphone);
        foreach (var (order, ip) in new[] { ("IP-1", "198.51.100.7"), ("IP-2", "198.51.100.8") })
            await Ok(HttpMethod.Post, "/api/v1/conversions", t.Key, new { orderId = order, amount = 100m, currency = "PLN", code = "ANNA10", ip, occurredAt = At(TimeSpan.FromMinutes(-5)) }, HttpStatusCode.Created);
        var flag = Assert.Single(await FlagsAsync(t.Key));
        Assert.Equal(("self_referral_ip", "IP-1"), (flag.GetProperty("rule").GetString(), flag.GetProperty("orderId").GetString()));
        Assert.Contains("198.51.100.7", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClickFromTheCreatorsOwnBrowserAndNetwork_IsSelfReferral_AndAnotherBrowserIsNot()
    {
        // The click's address is kept to its network (the default): the sign-in's is compared the same way.
        var own = await PartnerTenantAsync("83.24.10.77", Iphone);
        await HonestAsync(own, "D-1");
        var flag = Assert.Single(await FlagsAsync(own.Key));
        Assert.Equal("self_referral_device", flag.GetProperty("rule").GetString());
        Assert.Contains("83.24.10.0", flag.GetProperty("evidence").GetString(), StringComparison.Ordinal);

        var other = await PartnerTenantAsync("83.24.10.77", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36");
        await HonestAsync(other, "D-2");
        Assert.Empty(await RulesAsync(other.Key));
    }

    [Fact]
    public async Task ASecondAccountOfOnePerson_IsFlagged_HoldsAllItEarns_UntilApproved()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var payout = new { method = "bank_transfer", account = "PL61 1090 1014 0000 0712 1981 2874", holder = "Anna Kowalska" };
        await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna", email = "anna.kowalska@gmail.com", payout }, HttpStatusCode.Created);
        var byMail = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Ania K", email = "annakowalska+promo@googlemail.com" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var byAccount = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "A. K.", email = "ak@example.com", payout = payout with { account = "pl61109010140000071219812874" } }, HttpStatusCode.Created))
            .GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Kuba", email = "kuba@example.com", payout = payout with { account = "PL27 1140 2004 0000 3002 0135 5387" } }, HttpStatusCode.Created);
        var flags = await FlagsAsync(key);
        Assert.Equal(2, flags.Count);
        Assert.All(flags, f => Assert.Equal("duplicate_creator", f.GetProperty("rule").GetString()));
        Assert.Contains("same mailbox", flags.Single(f => f.GetProperty("creatorId").GetGuid() == byMail).GetProperty("evidence").GetString(), StringComparison.Ordinal);
        Assert.Contains("same bank account (••••2874)", flags.Single(f => f.GetProperty("creatorId").GetGuid() == byAccount).GetProperty("evidence").GetString(), StringComparison.Ordinal);
        // Saving the creator again does not flag it twice.
        await Ok(HttpMethod.Patch, $"/api/v1/creators/{byMail}", key, new { name = "Ania Kowalska" });
        Assert.Equal(2, (await FlagsAsync(key)).Count);

        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANIA5", creatorId = byMail }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "P", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { byMail } }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "DUP-1", amount = 100m, currency = "PLN", code = "ANIA5" }, HttpStatusCode.Created);
        Assert.Equal("on_hold", await CommissionStateAsync(key, "DUP-1"));
        var flag = flags.Single(f => f.GetProperty("creatorId").GetGuid() == byMail).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, $"/api/v1/fraud/flags/{flag}/resolve", key, new { action = "approve", note = "her business account" });
        Assert.Equal("pending", await CommissionStateAsync(key, "DUP-1"));
    }
}
