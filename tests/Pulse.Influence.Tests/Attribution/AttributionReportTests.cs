using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Attribution;

/// <summary>
/// <c>GET /api/v1/attribution/report</c> over journeys built from the log: a link click, a
/// campaign-tagged e-mail visit, a creator's code, an ad click and a conversion without touches,
/// with one person known under two ids; in both storage modes.
/// </summary>
public sealed class AttributionReportTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task Report_CreditsTheLoggedJourneys_AtChannelCampaignAndCreatorLevel()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<JsonElement> Post(string path, object body)
        {
            var res = await Server.SendAsync(HttpMethod.Post, path, key, body);
            var json = await TestServer.JsonAsync(res);
            Assert.True(res.IsSuccessStatusCode, json.ToString());
            return json;
        }
        var anna = (await Post("/api/v1/creators", new { name = "Anna Fit", handles = new[] { new { platform = "instagram", handle = "anna_fit" } } })).GetProperty("id").GetGuid();
        var kuba = (await Post("/api/v1/creators", new { name = "Kuba Runs", handles = new[] { new { platform = "tiktok", handle = "kuba_runs" } } })).GetProperty("id").GetGuid();
        await Post("/api/v1/codes", new { code = "KUBA10", creatorId = kuba, campaign = "run-club" });
        var link = await Post("/api/v1/links", new { url = "https://shop.example/", creatorId = anna, campaign = "spring" });
        var writeKey = (await Post("/api/v1/sources", new { name = "Web" })).GetProperty("writeKey").GetString()!;

        // Person 1 reads the newsletter, later clicks Anna's link (same browser), lands, signs in and buys.
        using var click = new HttpRequestMessage(HttpMethod.Get, "/l/" + link.GetProperty("slug").GetString());
        click.Headers.TryAddWithoutValidation("User-Agent", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        var redirect = await Server.Client.SendAsync(click);
        Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
        var visitor = redirect.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("pulse_vid=", StringComparison.Ordinal)).Split(';')[0]["pulse_vid=".Length..];
        await Eventually.UntilAsync(async () => (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{link.GetProperty("id")}", key))).GetProperty("clicks").GetInt64() == 1,
            TimeSpan.FromSeconds(30), () => "the click on the log");
        var now = TimeProvider.System.GetUtcNow();
        string At(TimeSpan offset) => (now + offset).ToString("O", CultureInfo.InvariantCulture);
        object Page(string anon, string query, string referrer, TimeSpan offset) => new
        {
            type = "page", messageId = Guid.NewGuid().ToString(), anonymousId = anon, timestamp = At(offset),
            context = new { userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/121.0", page = new { url = "https://shop.example/" + query, referrer } },
        };
        await BatchAsync(writeKey,
            Page(visitor, "?utm_source=newsletter&utm_medium=email&utm_campaign=weekly", "https://mail.google.com/", TimeSpan.FromHours(-2)),
            // The landing page of the click: the same touch as the click, so it counts once.
            Page(visitor, "?utm_source=instagram&utm_medium=influencer&utm_campaign=spring&utm_content=anna_fit", "https://l.instagram.com/", TimeSpan.FromSeconds(5)),
            new { type = "identify", messageId = Guid.NewGuid().ToString(), anonymousId = visitor, userId = "cust-1", timestamp = At(TimeSpan.FromSeconds(20)) },
            // Person 2 comes from Kuba's TikTok (tagged as the demo shop tags it) and pays with his code.
            Page("anon-2", "?utm_source=kuba_runs&utm_medium=influencer&utm_campaign=run-club", "https://www.tiktok.com/", TimeSpan.FromHours(-1)),
            // Person 3 clicks an ad and leaves; a bot's tagged visit is no touch at all.
            Page("anon-3", "?fbclid=IwAR1234", "https://m.facebook.com/", TimeSpan.FromHours(-1)),
            new
            {
                type = "page", messageId = Guid.NewGuid().ToString(), anonymousId = "anon-bot", timestamp = At(TimeSpan.FromHours(-1)),
                context = new { userAgent = "Googlebot/2.1 (+http://www.google.com/bot.html)", page = new { url = "https://shop.example/?utm_source=spam", referrer = "" } },
            });
        await Post("/api/v1/conversions", new { orderId = "R-1", amount = 100m, currency = "PLN", customerId = "cust-1", occurredAt = At(TimeSpan.FromMinutes(1)) });
        await Post("/api/v1/conversions", new { orderId = "R-2", amount = 50m, currency = "PLN", anonymousId = "anon-2", code = "kuba10", occurredAt = At(TimeSpan.FromMinutes(1)) });
        await Post("/api/v1/conversions", new { orderId = "R-3", amount = 20m, currency = "PLN", customerId = "walk-in", occurredAt = At(TimeSpan.FromMinutes(1)) });
        // Another currency is reported apart, not added to złoty.
        await Post("/api/v1/conversions", new { orderId = "R-4", amount = 30m, currency = "EUR", customerId = "tourist", occurredAt = At(TimeSpan.FromMinutes(1)) });

        var range = $"from={Uri.EscapeDataString(At(TimeSpan.FromDays(-1)))}&to={Uri.EscapeDataString(At(TimeSpan.FromHours(1)))}";
        async Task<JsonElement> Report(string query) => await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, $"/api/v1/attribution/report?{range}&{query}", key));
        static double Conv(JsonElement report, string model, string touch) =>
            report.GetProperty("models").GetProperty(model).TryGetProperty(touch, out var c) ? c.GetProperty("conversions").GetDouble() : 0;

        // The identity graph joins the visitor to cust-1 in the background: wait until the journey is whole.
        var channels = await Eventually.UntilAsync(() => Report("level=channel"), r => Conv(r, "first_click", "email") == 1, TimeSpan.FromSeconds(30), () => "cust-1's journey from the log");
        Assert.Equal(3, channels.GetProperty("totals").GetProperty("conversions").GetDouble());
        Assert.Equal(170, channels.GetProperty("totals").GetProperty("value").GetDouble());
        Assert.Equal("PLN", channels.GetProperty("currency").GetString());
        Assert.Equal(1, channels.GetProperty("otherCurrencies").GetProperty("EUR").GetInt32());
        Assert.Equal(1, channels.GetProperty("withoutTouches").GetInt32());
        Assert.Equal(1, channels.GetProperty("notConverted").GetInt32());
        Assert.Equal(1, Conv(channels, "last_click", "instagram"));
        Assert.Equal(100, channels.GetProperty("models").GetProperty("last_click").GetProperty("instagram").GetProperty("value").GetDouble());
        Assert.Equal(0, Conv(channels, "last_click", "email"));
        // Kuba's code is his sale alone, under the channel his visit came from.
        Assert.Equal(1, Conv(channels, "last_click", "tiktok"));
        Assert.Equal(1, Conv(channels, "first_click", "tiktok"));
        Assert.Equal(1, Conv(channels, "last_click", "(direct)"));
        Assert.Equal(0.5, Conv(channels, "linear", "email"));
        Assert.Equal(0.5, Conv(channels, "linear", "instagram"));
        Assert.Equal(0, Conv(channels, "last_click", "meta_ads"));
        Assert.False(channels.GetProperty("models").GetProperty("last_click").TryGetProperty("spam", out _));
        foreach (var model in channels.GetProperty("models").EnumerateObject())
            Assert.Equal(3, model.Value.EnumerateObject().Sum(t => t.Value.GetProperty("conversions").GetDouble()), 6);

        var creators = await Report("level=creator&models=last_click,first_click");
        Assert.Equal(1, Conv(creators, "last_click", anna.ToString()));
        Assert.Equal(1, Conv(creators, "last_click", kuba.ToString()));
        Assert.Equal(1, Conv(creators, "first_click", "(none)"));
        Assert.Equal("Anna Fit", creators.GetProperty("labels").GetProperty(anna.ToString()).GetString());
        Assert.Equal(["last_click", "first_click"], creators.GetProperty("models").EnumerateObject().Select(m => m.Name));

        var campaigns = await Report("level=campaign&models=last_click");
        Assert.Equal(1, Conv(campaigns, "last_click", "spring"));
        Assert.Equal(1, Conv(campaigns, "last_click", "run-club"));

        foreach (var (query, field) in new[] { ("level=brand", "level"), ("lookbackDays=0", "lookbackDays"), ("models=last_click,best", "models"), ("currency=ZZZ", "currency") })
        {
            var res = await Server.SendAsync(HttpMethod.Get, $"/api/v1/attribution/report?{query}", key);
            var problem = await TestServer.JsonAsync(res);
            TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }

    private async Task BatchAsync(string writeKey, params object[] messages)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(JsonSerializer.Serialize(new { batch = messages }), Encoding.UTF8, "application/json") };
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
        var res = await Server.Client.SendAsync(req);
        TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
    }
}
