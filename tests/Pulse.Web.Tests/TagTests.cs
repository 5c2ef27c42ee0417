using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Web.Tests;

/// <summary>The JS tag in a real browser, loaded by a shop on another origin.</summary>
[Collection(PanelCollection.Name)]
public sealed class TagTests(PanelFixture fixture) : IAsyncLifetime
{
    private WebApplication _shop = null!;
    private string _shopOrigin = "";
    private string _apiKey = "";
    private string _writeKey = "";

    public async Task InitializeAsync()
    {
        var port = ShopHelpers.FreePort();
        _shopOrigin = $"http://127.0.0.1:{port}";
        var ws = await fixture.Server.CreateWorkspaceAsync();
        _apiKey = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/sources", _apiKey, new { name = "Shop", allowedOrigins = new[] { _shopOrigin } });
        _writeKey = (await TestServer.JsonAsync(res)).GetProperty("writeKey").GetString()!;

        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(_shopOrigin);
        _shop = builder.Build();
        var pulse = fixture.Server.Address.ToString().TrimEnd('/');
        var readmeTag = ReadmeSnippets.Get("tag", pulse, _writeKey);
        var readmePixel = ReadmeSnippets.Get("pixel", pulse, _writeKey);
        var stub = await (await fixture.Server.Client.GetAsync("/t.stub.js")).Content.ReadAsStringAsync();
        _shop.MapGet("/{page}", (string page) => Results.Content(page switch
        {
            "readme" => $$"""<html><head><title>Readme</title>{{readmeTag}}<script>pulse.track('README Snippet Check', { step: 2 });</script></head><body>readme</body></html>""",
            "readme-pixel" => $"""<html><head><title>Newsletter</title></head><body>{readmePixel}</body></html>""",
            "queued" => $$"""
                <html><head><title>Queued</title><script>{{stub}}
                pulse.page();
                pulse.track('Queued Ad', {}, { category: 'marketing' });
                pulse.track('Queued Before Consent', { n: 1 });
                pulse.consent({ analytics: true, marketing: false });
                pulse.identify('queued-user', { plan: 'pro' });
                pulse.track('Queued After Consent', { n: 2 });
                pulse.optOut();
                pulse.track('Queued After Opt Out');
                </script><script src="{{pulse}}/t.js" data-write-key="{{_writeKey}}" data-consent="required" async></script></head><body>queued</body></html>
                """,
            "consent" => $"""<html><head><title>Shop</title><script src="{pulse}/t.js" data-write-key="{_writeKey}" data-consent="required"></script></head><body>consent</body></html>""",
            _ => $"""<html><head><title>Sneakers</title><script src="{pulse}/t.js" data-write-key="{_writeKey}"></script></head><body>shop</body></html>""",
        }, "text/html"));
        await _shop.StartAsync();
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    [Fact]
    public async Task Tag_SendsPageAndTrack_WithAnonymousIdCookie_CampaignAndTheEventIdItReturned()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/product?utm_source=instagram&utm_campaign=bf&fbclid=FBX1");
        var eventId = await page.EvaluateAsync<string>("() => { pulse.page(); return pulse.track('Product Viewed', { sku: 'A1', price: 199 }); }");
        var cookie = (await page.Context.CookiesAsync()).Single(c => c.Name == "pulse_aid").Value;

        var e = await WaitForEventAsync("Product Viewed");
        Assert.Equal(eventId, e.GetProperty("messageId").GetString());
        Assert.Equal(cookie, e.GetProperty("anonymousId").GetString());
        Assert.Equal("instagram", e.GetProperty("enrichment").GetProperty("utmSource").GetString());
        Assert.Equal("FBX1", e.GetProperty("enrichment").GetProperty("fbclid").GetString());
        Assert.Equal("Chrome", e.GetProperty("enrichment").GetProperty("browser").GetString()?.Replace("HeadlessChrome", "Chrome", StringComparison.Ordinal));
        Assert.Equal("A1", e.GetProperty("message").GetProperty("properties").GetProperty("sku").GetString());
        var pageView = await WaitForEventAsync(null, "page");
        Assert.Equal("/product", pageView.GetProperty("enrichment").GetProperty("pagePath").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Tag_HoldsEventsUntilConsent_AndDropsDeniedCategories()
    {
        var page = await NewPageAsync();
        var batches = new List<string>();
        page.Request += (_, r) =>
        {
            if (r.Url.Contains("/v1/batch", StringComparison.Ordinal))
                lock (batches)
                    batches.Add(r.PostData ?? "");
        };
        await page.GotoAsync(_shopOrigin + "/consent");
        await page.EvaluateAsync("() => { pulse.track('Held Until Consent'); pulse.track('Ad Click', {}, { category: 'marketing' }); pulse.flush(); }");

        await page.EvaluateAsync("() => pulse.consent({ analytics: true, marketing: false })");
        var held = await WaitForEventAsync("Held Until Consent");
        // It carries the decision given after it was tracked, and went out only with that decision: it was held, not sent.
        Assert.False(held.GetProperty("consent").GetProperty("marketing").GetBoolean());
        lock (batches)
        {
            var carriers = batches.Where(b => b.Contains("Held Until Consent", StringComparison.Ordinal)).ToList();
            Assert.NotEmpty(carriers);
            Assert.All(carriers, b => Assert.Contains("Consent Preference Updated", b, StringComparison.Ordinal));
        }
        await WaitForEventAsync("Consent Preference Updated");
        await page.EvaluateAsync("() => { pulse.track('Ad Click 2', {}, { category: 'marketing' }); pulse.track('After Consent'); }");
        // Events go out in order: once the later one is stored, a denied one sent before it would be too.
        await WaitForEventAsync("After Consent");
        Assert.Empty((await EventsAsync("?event=Ad%20Click")).EnumerateArray());
        Assert.Empty((await EventsAsync("?event=Ad%20Click%202")).EnumerateArray());
        lock (batches)
            Assert.DoesNotContain(batches, b => b.Contains("Ad Click", StringComparison.Ordinal));
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Tag_OptOut_MarksTheProfileOptedOut_AndSendsNothingMoreUntilConsentIsGivenAgain()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/cart");
        await page.EvaluateAsync("() => { pulse.identify('opt-out-user', { email: 'o@example.com' }); pulse.optOut(); pulse.track('After Opt Out'); }");
        var anonymousId = await page.EvaluateAsync<string>("() => pulse.anonymousId()");
        var optOut = await WaitForEventAsync("Consent Preference Updated", profile: anonymousId);
        Assert.True(optOut.GetProperty("message").GetProperty("context").GetProperty("consent").GetProperty("optOut").GetBoolean());

        // A later decision that grants something replaces the opt-out; events queue in order, so
        // once "Back In" is stored anything sent before it would be stored too.
        await page.EvaluateAsync("() => { pulse.consent({ analytics: true }); pulse.track('Back In'); }");
        await WaitForEventAsync("Back In");
        Assert.Empty((await EventsAsync("?event=After%20Opt%20Out")).EnumerateArray());
        await page.Context.CloseAsync();

        // The profile builder records the person's own opt-out and opt-in in the audit trail.
        var trail = await Eventually.UntilAsync(
            async () => (await TestServer.JsonAsync(await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/audit?action=profile.", _apiKey))).ToString(),
            t => t.Contains("profile.opted_in", StringComparison.Ordinal), TimeSpan.FromSeconds(30), () => "the opt-in in the audit trail");
        Assert.Contains("profile.opted_out", trail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tag_SendsQueuedEventsWithABeacon_WhenThePageIsLeft()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/cart");
        await page.EvaluateAsync("() => pulse.track('Left Before Flush')");
        await page.GotoAsync("about:blank");
        await WaitForEventAsync("Left Before Flush");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReadmeSnippet_PastedAsItIs_QueuesCallsBeforeTheTagLoads_AndTheTagSendsThemInOrder()
    {
        var page = await NewPageAsync();
        // The tag is held back until the page's own scripts have run, so the calls surely meet the stub.
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/t.js", async route => { await release.Task; await route.ContinueAsync(); });
        await page.GotoAsync(_shopOrigin + "/readme", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        Assert.Equal(2, await page.EvaluateAsync<int>("() => Array.isArray(window.pulse) ? window.pulse.length : -1"));

        release.SetResult();
        await page.WaitForFunctionAsync("() => window.pulse && window.pulse.__loaded === true");
        var anonymousId = await page.EvaluateAsync<string>("() => pulse.anonymousId()");
        var track = await WaitForEventAsync("README Snippet Check");
        var pageView = await WaitForEventAsync(null, "page");
        Assert.Equal(anonymousId, track.GetProperty("anonymousId").GetString());
        Assert.Equal(anonymousId, pageView.GetProperty("anonymousId").GetString());
        Assert.True(pageView.GetProperty("seq").GetInt64() < track.GetProperty("seq").GetInt64(), "the page view is stored before the track");
        Assert.Equal(2, track.GetProperty("message").GetProperty("properties").GetProperty("step").GetInt32());
        Assert.Equal("/readme", pageView.GetProperty("enrichment").GetProperty("pagePath").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task ReadmePixel_InAPage_StoresTheEmailOpenedEvent()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/readme-pixel");
        var opened = await WaitForEventAsync("Email Opened");
        Assert.Equal("USER", opened.GetProperty("userId").GetString());
        Assert.Equal("bf", opened.GetProperty("message").GetProperty("properties").GetProperty("campaign").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task StubServedBesideTheTag_IsTheReadmeSnippetsStub_AndCacheable()
    {
        var res = await fixture.Server.Client.GetAsync("/t.stub.js");
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal("application/javascript", res.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromHours(1), res.Headers.CacheControl?.MaxAge);
        Assert.True(res.Headers.CacheControl?.Public);
        Assert.NotNull(res.Headers.ETag);
        var stub = (await res.Content.ReadAsStringAsync()).Trim();
        var readme = ReadmeSnippets.Get("tag", ReadmeSnippets.Host, ReadmeSnippets.WriteKey);
        Assert.Contains("<script>\n" + stub + "\n", readme, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tag_ReplaysEveryCallTheStubQueued_InOrder_WithTheirOptions_ConsentAndOptOut()
    {
        var page = await NewPageAsync();
        var release = new TaskCompletionSource();
        await page.RouteAsync("**/t.js", async route => { await release.Task; await route.ContinueAsync(); });
        await page.GotoAsync(_shopOrigin + "/queued", new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        Assert.Equal(8, await page.EvaluateAsync<int>("() => Array.isArray(window.pulse) ? window.pulse.length : -1"));
        release.SetResult();
        await page.WaitForFunctionAsync("() => window.pulse && window.pulse.__loaded === true");
        // A decision after load lifts the opt-out; events go out in order, so once the sentinel is
        // stored, anything the replay had queued before it is stored too.
        await page.EvaluateAsync("() => { pulse.consent({ analytics: true }); pulse.track('Sentinel'); }");
        await WaitForEventAsync("Sentinel");

        var stored = (await EventsAsync("?limit=100")).EnumerateArray().OrderBy(e => e.GetProperty("seq").GetInt64())
            .Select(e => e.GetProperty("type").GetString() + ":" + (e.GetProperty("event").GetString() ?? "")
                + (e.GetProperty("message").TryGetProperty("properties", out var p) && p.TryGetProperty("optOut", out _) ? " (opt-out)" : ""))
            .ToArray();
        Assert.Equal(
            [
                "page:", "track:Queued Before Consent", "track:Consent Preference Updated", "identify:",
                "track:Queued After Consent", "track:Consent Preference Updated (opt-out)",
                "track:Consent Preference Updated", "track:Sentinel",
            ],
            stored);
        var identify = await WaitForEventAsync(null, "identify");
        Assert.Equal("queued-user", identify.GetProperty("userId").GetString());
        await page.Context.CloseAsync();
    }

    private async Task<IPage> NewPageAsync()
    {
        var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.Console += (_, m) => File.AppendAllText(Path.Combine(PanelFixture.ScreenshotDir, "tag-console.log"), m.Type + ": " + m.Text + "\n");
        return page;
    }

    private async Task<JsonElement> EventsAsync(string query)
    {
        var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events" + query, _apiKey);
        return (await TestServer.JsonAsync(res)).GetProperty("items");
    }

    private Task<JsonElement> WaitForEventAsync(string? name, string? type = null, string? profile = null) =>
        ShopHelpers.WaitForEventAsync(fixture.Server, _apiKey, name, type, profile);

}
