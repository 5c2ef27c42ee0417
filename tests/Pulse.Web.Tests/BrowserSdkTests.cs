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

/// <summary>
/// The official browser SDKs, unchanged (npm packages pinned in tests/sdk), on a shop of another
/// origin, pointed at Pulse the way their documentation allows: Segment's analytics.js 2.0 with the
/// snippet's <c>_cdn</c>, RudderStack's SDK with <c>configUrl</c> and the data plane URL.
/// </summary>
[Collection(PanelCollection.Name)]
public sealed class BrowserSdkTests(PanelFixture fixture) : IAsyncLifetime
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

        var sdk = Path.Combine(ReadmeSnippets.RepoRoot(), "tests", "sdk", "node_modules");
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls(_shopOrigin);
        _shop = builder.Build();
        var pulse = fixture.Server.Address.ToString().TrimEnd('/');
        _shop.MapGet("/sdk/segment/{file}", (string file) => Script(Path.Combine(sdk, "@segment", "analytics-next", "dist", "umd", Path.GetFileName(file))));
        _shop.MapGet("/sdk/rudder.js", () => Script(Path.Combine(sdk, "@rudderstack", "analytics-js", "dist", "npm", "modern", "bundled", "umd", "index.js")));
        _shop.MapGet("/segment", () => Results.Content($$$"""
            <html><head><title>Segment shop</title>
            <script>
              !function(){var a=window.analytics=window.analytics||[];a._writeKey="{{{_writeKey}}}";a._cdn="{{{pulse}}}";
              a.methods=["track","identify","page","alias","group","screen","ready","reset"];
              a.factory=function(m){return function(){var args=Array.prototype.slice.call(arguments);args.unshift(m);a.push(args);return a}};
              for(var i=0;i<a.methods.length;i++){a[a.methods[i]]=a.factory(a.methods[i])}
              a.page("Segment Home");
              a.identify("seg-browser-user",{email:"seg@example.com",plan:"pro"});
              a.track("Segment Browser Check",{sku:"A1",price:199});
            }();
            </script>
            <script async src="/sdk/segment/standalone.js"></script>
            </head><body>segment</body></html>
            """, "text/html"));
        _shop.MapGet("/rudder", () => Results.Content($$"""
            <html><head><title>Rudder shop</title>
            <script src="/sdk/rudder.js"></script>
            <script>
              var ra = new rudderanalytics.RudderAnalytics();
              ra.load("{{_writeKey}}", "{{pulse}}", { configUrl: "{{pulse}}", logLevel: "ERROR" });
              ra.page("Rudder Home");
              ra.identify("rud-browser-user", { email: "rud@example.com" });
              ra.track("Rudder Browser Check", { sku: "B2" });
            </script>
            </head><body>rudder</body></html>
            """, "text/html"));
        await _shop.StartAsync();
    }

    public async Task DisposeAsync() => await _shop.DisposeAsync();

    [Fact]
    public async Task SegmentAnalyticsJs_LoadsItsSettingsFromPulse_AndDeliversPageIdentifyAndTrack()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/segment");
        var e = await WaitForEventAsync("Segment Browser Check");
        Assert.Equal("seg-browser-user", e.GetProperty("userId").GetString());
        Assert.Equal(199, e.GetProperty("message").GetProperty("properties").GetProperty("price").GetInt32());
        Assert.Equal("analytics.js", e.GetProperty("message").GetProperty("context").GetProperty("library").GetProperty("name").GetString());
        Assert.Equal("seg-browser-user", (await WaitForEventAsync(null, "identify")).GetProperty("userId").GetString());
        Assert.Equal("Segment Home", (await WaitForEventAsync(null, "page")).GetProperty("message").GetProperty("name").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task RudderStackJsSdk_LoadsItsSourceConfigFromPulse_AndDeliversPageIdentifyAndTrack()
    {
        var page = await NewPageAsync();
        await page.GotoAsync(_shopOrigin + "/rudder");
        var e = await WaitForEventAsync("Rudder Browser Check");
        Assert.Equal("rud-browser-user", e.GetProperty("userId").GetString());
        Assert.Equal("B2", e.GetProperty("message").GetProperty("properties").GetProperty("sku").GetString());
        Assert.Equal("rud-browser-user", (await WaitForEventAsync(null, "identify")).GetProperty("userId").GetString());
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Settings_AreRefusedForUnknownWriteKeys()
    {
        using var http = new HttpClient { BaseAddress = fixture.Server.Address };
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/projects/wk_unknown/settings")).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/sourceConfig/?writeKey=wk_unknown")).StatusCode);
        var ok = await http.GetAsync($"/v1/projects/{_writeKey}/settings");
        var settings = JsonDocument.Parse(await ok.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(fixture.Server.Address.Authority + "/v1", settings.GetProperty("integrations").GetProperty("Segment.io").GetProperty("apiHost").GetString());
    }

    private static IResult Script(string path) =>
        File.Exists(path) ? Results.File(path, "text/javascript") : Results.NotFound($"{path} is missing: run npm ci in tests/sdk (test.sh does).");

    private async Task<IPage> NewPageAsync()
    {
        var context = await fixture.Browser.NewContextAsync();
        var page = await context.NewPageAsync();
        page.Console += (_, m) => File.AppendAllText(Path.Combine(PanelFixture.ScreenshotDir, "sdk-console.log"), m.Type + ": " + m.Text + "\n");
        return page;
    }

    private Task<JsonElement> WaitForEventAsync(string? name, string? type = null, string? profile = null) =>
        ShopHelpers.WaitForEventAsync(fixture.Server, _apiKey, name, type, profile);
}
