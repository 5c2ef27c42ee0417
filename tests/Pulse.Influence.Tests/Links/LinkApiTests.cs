using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Links;

/// <summary>Tracked links through the API and the redirect, in both storage modes.</summary>
public sealed class LinkApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, object? json = null)
    {
        var res = await Server.SendAsync(method, path, key, json);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 || !(res.Content.Headers.ContentType?.MediaType?.Contains("json") ?? false) ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(Guid Workspace, string Key, Guid Creator)> TenantAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var (_, creator) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new
        {
            name = "Anna Kowalska",
            handles = new[] { new { platform = "instagram", handle = "anna_fit", followers = 120_000 }, new { platform = "tiktok", handle = "anna.fit", followers = 5_000 } },
        });
        return (ws.Id, key, creator.GetProperty("id").GetGuid());
    }

    private async Task<HttpResponseMessage> VisitAsync(string path, string? userAgent = null, string? cookie = null, string? referrer = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Get, path);
        req.Headers.TryAddWithoutValidation("User-Agent", userAgent ?? "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
        if (cookie is not null)
            req.Headers.Add("Cookie", cookie);
        if (referrer is not null)
            req.Headers.Referrer = new Uri(referrer);
        return await Server.Client.SendAsync(req);
    }

    [Fact]
    public async Task Link_FollowsTheContract_RedirectsWithUtmAndClickId_AndCountsItsClicks()
    {
        var (ws, key, creator) = await TenantAsync();
        var (res, link) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/sale?color=red", creatorId = creator, campaign = "spring-2027" });
        TestData.AssertStatus(HttpStatusCode.Created, res, link.ToString());
        var id = link.GetProperty("id").GetGuid();
        var slug = link.GetProperty("slug").GetString()!;
        Assert.Equal(LinkInputLength, slug.Length);
        Assert.Equal($"{Server.Address.GetLeftPart(UriPartial.Authority)}/l/{slug}", link.GetProperty("shortUrl").GetString());
        Assert.Equal("https://shop.example/sale?color=red&utm_source=instagram&utm_medium=influencer&utm_campaign=spring-2027&utm_content=anna_fit",
            link.GetProperty("destination").GetString());
        Assert.Equal(0, link.GetProperty("clicks").GetInt64());

        var first = await VisitAsync($"/l/{slug}?ref=newsletter&coupon=ANNA10", referrer: "https://www.instagram.com/");
        Assert.Equal(HttpStatusCode.Redirect, first.StatusCode);
        var location = first.Headers.Location!.OriginalString;
        Assert.StartsWith("https://shop.example/sale?color=red&utm_source=instagram&utm_medium=influencer&utm_campaign=spring-2027&utm_content=anna_fit&coupon=ANNA10&pclid=", location, StringComparison.Ordinal);
        Assert.DoesNotContain("ref=newsletter", location, StringComparison.Ordinal);
        var cookies = first.Headers.GetValues("Set-Cookie").ToList();
        var visitor = cookies.Single(c => c.StartsWith("pulse_vid=", StringComparison.Ordinal)).Split(';')[0];
        var clickId = location[(location.IndexOf("pclid=", StringComparison.Ordinal) + 6)..];
        Assert.Contains(cookies, c => c.StartsWith($"pulse_click={clickId}", StringComparison.Ordinal) && c.Contains("max-age=7776000", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("no-store", first.Headers.CacheControl?.ToString());

        // The same visitor again, a QR scan by someone else, and a crawler.
        Assert.Equal(HttpStatusCode.Redirect, (await VisitAsync($"/l/{slug}", cookie: visitor)).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await VisitAsync($"/l/{slug.ToUpperInvariant()}?qr=1", userAgent: "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1")).StatusCode);
        Assert.Equal(HttpStatusCode.Redirect, (await VisitAsync($"/l/{slug}", userAgent: "Googlebot/2.1 (+http://www.google.com/bot.html)")).StatusCode);

        var counted = await Eventually.UntilAsync(async () => (await SendAsync(HttpMethod.Get, $"/api/v1/links/{id}", key)).Body, b => b.GetProperty("clicks").GetInt64() == 4,
            TimeSpan.FromSeconds(30), () => "four clicks counted");
        Assert.Equal(3, counted.GetProperty("uniqueClicks").GetInt64());
        Assert.Equal(1, counted.GetProperty("botClicks").GetInt64());

        var (_, stats) = await SendAsync(HttpMethod.Get, $"/api/v1/links/{id}/stats", key);
        Assert.Equal(4, stats.GetProperty("clicks").GetInt64());
        Assert.Equal(1, stats.GetProperty("via").EnumerateArray().Single(v => v.GetProperty("key").GetString() == "qr").GetProperty("clicks").GetInt64());
        Assert.Equal(3, stats.GetProperty("via").EnumerateArray().Single(v => v.GetProperty("key").GetString() == "link").GetProperty("clicks").GetInt64());
        Assert.Contains(stats.GetProperty("devices").EnumerateArray(), d => d.GetProperty("key").GetString() == "mobile");
        Assert.Contains(stats.GetProperty("referrers").EnumerateArray(), d => d.GetProperty("key").GetString() == "instagram.com");

        // The click is a track event on the log like any other: in the Tracked links source, with the click id as its message id.
        var admin = (await Server.CreateKeyAsync(ws, WorkspaceRole.Admin)).Key;
        var (_, events) = await SendAsync(HttpMethod.Get, "/api/v1/events?event=Link%20Clicked", admin);
        Assert.Contains(events.GetProperty("items").EnumerateArray(), e => e.GetProperty("messageId").GetString() == clickId);
    }

    private const int LinkInputLength = 7;

    [Fact]
    public async Task DisabledExpiredAndDeletedLinks_AreRefused_AndAChangeTakesEffectAtOnce()
    {
        var (_, key, _) = await TenantAsync();
        var (_, link) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/", slug = $"Promo-{Guid.NewGuid():N}"[..20], utm = false });
        var id = link.GetProperty("id").GetGuid();
        var slug = link.GetProperty("slug").GetString()!;
        Assert.Equal(slug.ToLowerInvariant(), slug);
        Assert.Equal("https://shop.example/?pclid=", (await VisitAsync($"/l/{slug}")).Headers.Location!.OriginalString[..28]);

        await SendAsync(HttpMethod.Patch, $"/api/v1/links/{id}", key, new { enabled = false });
        Assert.Equal(HttpStatusCode.NotFound, (await VisitAsync($"/l/{slug}")).StatusCode);
        await SendAsync(HttpMethod.Patch, $"/api/v1/links/{id}", key, new { enabled = true, url = "https://shop.example/new", redirect = 301 });
        var moved = await VisitAsync($"/l/{slug}");
        Assert.Equal(HttpStatusCode.MovedPermanently, moved.StatusCode);
        Assert.StartsWith("https://shop.example/new?pclid=", moved.Headers.Location!.OriginalString, StringComparison.Ordinal);

        // Expired: 410, or the address given for after expiry.
        var (_, soon) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/", expiresAt = DateTimeOffset.UtcNow.AddMinutes(10) });
        await Server.SqlAsync($"UPDATE links SET ExpiresAt = 1000 WHERE Id = '{soon.GetProperty("id").GetGuid().ToString().ToUpperInvariant()}'",
            $"UPDATE links SET \"ExpiresAt\" = 1000 WHERE \"Id\" = '{soon.GetProperty("id").GetGuid()}'");
        await SendAsync(HttpMethod.Patch, $"/api/v1/links/{soon.GetProperty("id").GetGuid()}", key, new { title = "refresh the cache" });
        Assert.Equal(HttpStatusCode.Gone, (await VisitAsync($"/l/{soon.GetProperty("slug").GetString()}")).StatusCode);
        await SendAsync(HttpMethod.Patch, $"/api/v1/links/{soon.GetProperty("id").GetGuid()}", key, new { expiredUrl = "https://shop.example/ended" });
        Assert.Equal("https://shop.example/ended", (await VisitAsync($"/l/{soon.GetProperty("slug").GetString()}")).Headers.Location!.OriginalString);

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/api/v1/links/{id}", key)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await VisitAsync($"/l/{slug}")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await VisitAsync("/l/no-such-link")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await VisitAsync("/l/%2e%2e%2fapi")).StatusCode);
    }

    [Fact]
    public async Task PasswordDeviceAndCountryTargeting_AndWeightedVariants_PickTheirDestinations()
    {
        var (_, key, _) = await TenantAsync();
        var (res, link) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new
        {
            url = "https://shop.example/app", utm = false, password = "spring",
            ios = "https://apps.apple.com/app/id123", android = "myshop://product/42",
        });
        TestData.AssertStatus(HttpStatusCode.Created, res, link.ToString());
        Assert.True(link.GetProperty("hasPassword").GetBoolean());
        var slug = link.GetProperty("slug").GetString();
        var form = await VisitAsync($"/l/{slug}");
        Assert.Equal(HttpStatusCode.Unauthorized, form.StatusCode);
        Assert.Contains("type=password", await form.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        async Task<HttpResponseMessage> PostAsync(string password, string? ua = null)
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, $"/l/{slug}") { Content = new FormUrlEncodedContent([new("password", password)]) };
            req.Headers.TryAddWithoutValidation("User-Agent", ua ?? "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36");
            return await Server.Client.SendAsync(req);
        }
        Assert.Equal(HttpStatusCode.Forbidden, (await PostAsync("autumn")).StatusCode);
        var android = await PostAsync("spring");
        Assert.Equal(HttpStatusCode.Redirect, android.StatusCode);
        Assert.StartsWith("myshop://product/42?pclid=", android.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var iphone = await PostAsync("spring", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1");
        Assert.StartsWith("https://apps.apple.com/app/id123?pclid=", iphone.Headers.Location!.OriginalString, StringComparison.Ordinal);
        var desktop = await PostAsync("spring", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36");
        Assert.StartsWith("https://shop.example/app?pclid=", desktop.Headers.Location!.OriginalString, StringComparison.Ordinal);

        var (_, ab) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new
        {
            url = "https://shop.example/", utm = false,
            variants = new[] { new { url = "https://shop.example/a", weight = 3 }, new { url = "https://shop.example/b", weight = 1 } },
        });
        var seen = new Dictionary<string, int>();
        for (var i = 0; i < 200; i++)
        {
            var loc = (await VisitAsync($"/l/{ab.GetProperty("slug").GetString()}")).Headers.Location!.OriginalString;
            var page = loc[..loc.IndexOf('?', StringComparison.Ordinal)];
            seen[page] = seen.GetValueOrDefault(page) + 1;
        }
        Assert.Equal(2, seen.Count);
        // 3:1 over 200 visits: "a" is far ahead (the chance of this failing by luck is below 1e-9).
        Assert.InRange(seen["https://shop.example/a"], 110, 190);
    }

    [Theory]
    [InlineData("""{"url":"javascript:alert(1)"}""", "url")]
    [InlineData("""{"url":"data:text/html,<script>alert(1)</script>"}""", "url")]
    [InlineData("""{"url":"//evil.example/"}""", "url")]
    [InlineData("""{"url":"https://user:pass@shop.example/"}""", "url")]
    [InlineData("""{"url":"https://shop.example/","slug":"../admin"}""", "slug")]
    [InlineData("""{"url":"https://shop.example/","slug":"api"}""", "slug")]
    [InlineData("""{"url":"https://shop.example/","slug":"creators"}""", "slug")]
    [InlineData("""{"url":"https://shop.example/","slug":"аnna"}""", "slug")]
    [InlineData("""{"url":"https://shop.example/","slug":"a b"}""", "slug")]
    [InlineData("""{"url":"https://shop.example/","redirect":307}""", "redirect")]
    [InlineData("""{"url":"https://shop.example/","ios":"javascript:alert(1)"}""", "ios")]
    [InlineData("""{"url":"https://shop.example/","geo":{"XX":"https://shop.example/x"}}""", "geo.XX")]
    [InlineData("""{"url":"https://shop.example/","variants":[{"url":"https://a.example/","weight":0},{"url":"https://b.example/"}]}""", "variants[0].weight")]
    [InlineData("""{"url":"https://shop.example/","trackParam":"utm_source"}""", "trackParam")]
    [InlineData("""{"url":"https://shop.example/","creatorId":"0190a0a0-0000-7000-8000-000000000000"}""", "creatorId")]
    [InlineData("""{"url":"https://shop.example/","clicks":5}""", "clicks")]
    public async Task BadLinks_Get400_NamingTheField(string json, string field)
    {
        var (_, key, _) = await TenantAsync();
        using var req = Server.Request(HttpMethod.Post, "/api/v1/links", key);
        req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var res = await Server.Client.SendAsync(req);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _) || body.ToString().Contains(field, StringComparison.Ordinal), body.ToString());
    }

    [Fact]
    public async Task Slugs_AreUniqueAcrossWorkspaces_QrCodesRender_AndViewersAreRefused()
    {
        var (ws, key, _) = await TenantAsync();
        var slug = "spring-" + Guid.NewGuid().ToString("N")[..8];
        TestData.AssertStatus(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/", slug })).Response);
        var (_, other, _) = await TenantAsync();
        var (taken, body) = await SendAsync(HttpMethod.Post, "/api/v1/links", other, new { url = "https://other.example/", slug = slug.ToUpperInvariant() });
        TestData.AssertStatus(HttpStatusCode.Conflict, taken, body.ToString());

        var (_, link) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/qr" });
        var id = link.GetProperty("id").GetGuid();
        var png = await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{id}/qr", key);
        Assert.Equal("image/png", png.Content.Headers.ContentType?.MediaType);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], (await png.Content.ReadAsByteArrayAsync())[..4]);
        var svg = await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{id}/qr?format=svg", key);
        Assert.Contains("<svg", await svg.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{id}/qr?format=gif", key)).StatusCode);

        var viewer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Viewer)).Key;
        var analyst = (await Server.CreateKeyAsync(ws, WorkspaceRole.Analyst)).Key;
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v1/links", viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v1/links", analyst)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/links", analyst, new { url = "https://shop.example/" })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/links/{id}", other)).Response.StatusCode);
    }
}
