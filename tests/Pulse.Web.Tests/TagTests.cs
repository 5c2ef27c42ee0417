using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Web.Tests;

/// <summary>The JS tag in a real browser, loaded by a shop on another origin.</summary>
public sealed class TagTests(PanelFixture fixture) : IClassFixture<PanelFixture>, IAsyncLifetime
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
        _shop.MapGet("/{page}", (string page) => Results.Content(page switch
        {
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
        await page.GotoAsync(_shopOrigin + "/consent");
        await page.EvaluateAsync("() => { pulse.track('Held Until Consent'); pulse.track('Ad Click', {}, { category: 'marketing' }); }");
        await Task.Delay(3000);
        Assert.Empty((await EventsAsync("?event=Held%20Until%20Consent")).EnumerateArray());

        await page.EvaluateAsync("() => pulse.consent({ analytics: true, marketing: false })");
        var held = await WaitForEventAsync("Held Until Consent");
        Assert.False(held.GetProperty("consent").GetProperty("marketing").GetBoolean());
        await WaitForEventAsync("Consent Preference Updated");
        await page.EvaluateAsync("() => { pulse.track('Ad Click 2', {}, { category: 'marketing' }); pulse.track('After Consent'); }");
        await WaitForEventAsync("After Consent");
        Assert.Empty((await EventsAsync("?event=Ad%20Click")).EnumerateArray());
        Assert.Empty((await EventsAsync("?event=Ad%20Click%202")).EnumerateArray());
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
        var trail = "";
        for (var i = 0; i < 150 && !trail.Contains("profile.opted_in", StringComparison.Ordinal); i++)
        {
            var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/audit?action=profile.", _apiKey);
            trail = (await TestServer.JsonAsync(res)).ToString();
            await Task.Delay(200);
        }
        Assert.Contains("profile.opted_out", trail);
        Assert.Contains("profile.opted_in", trail);
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
