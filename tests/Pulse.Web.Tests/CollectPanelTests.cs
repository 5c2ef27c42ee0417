using System.Net.Http.Headers;
using System.Text;
using Microsoft.Playwright;

namespace Pulse.Web.Tests;

/// <summary>Sources and the live event view in the panel, for an owner and for a viewer.</summary>
[Collection(PanelCollection.Name)]
public sealed class CollectPanelTests(PanelFixture fixture)
{
    [Fact]
    public async Task Owner_AddsASource_SeesItsEventsLive_WithMarkupShownAsText()
    {
        var ws = await fixture.WorkspaceAsync("Collect");
        var page = await fixture.SignInAsync(ws.OwnerEmail);
        await page.GotoAsync("/sources");
        var name = "Web " + Guid.NewGuid().ToString("N")[..6];
        await page.Locator("[data-testid=source-name] input, input[data-testid=source-name]").First.FillAsync(name);
        await page.ClickAsync("[data-testid=source-create]");
        var row = page.Locator("[data-testid=sources-table] tr", new() { HasText = name });
        await row.WaitForAsync();
        var writeKey = (await row.Locator("[data-testid=write-key]").InnerTextAsync()).Trim();
        Assert.StartsWith("wk_", writeKey, StringComparison.Ordinal);
        Assert.Contains(writeKey, await page.InnerTextAsync("[data-testid=snippet]"), StringComparison.Ordinal);

        using var http = new HttpClient { BaseAddress = fixture.Server.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
        var res = await http.PostAsync("/v1/track", new StringContent("""{"userId":"u-1","event":"Panel Check","properties":{"note":"<img src=x onerror=alert(1)><script>alert(2)</script>"}}""", Encoding.UTF8, "application/json"));
        Assert.True(res.IsSuccessStatusCode);

        await page.GotoAsync("/events");
        var eventRow = page.Locator("[data-testid=events-table] tr", new() { HasText = "Panel Check" });
        await eventRow.WaitForAsync(new() { Timeout = 10_000 });
        await eventRow.Locator("button", new() { HasText = "Show" }).ClickAsync();
        var json = page.Locator("[data-testid=event-json]").First;
        await json.WaitForAsync();
        Assert.Contains("<script>alert(2)</script>", await json.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-testid=event-json] script, [data-testid=event-json] img").CountAsync());
        await PanelFixture.ShotAsync(page, "collect-live-events");

        // The debugger tab lists what arrives while it is open, including a message refused by the checks.
        await page.GetByRole(AriaRole.Tab, new() { Name = "Debugger" }).ClickAsync();
        await page.GetByText("Waiting for messages", new() { Exact = false }).WaitForAsync();
        res = await http.PostAsync("/v1/batch", new StringContent("""{"batch":[{"type":"track","userId":"u-2","event":"Debugger Check"},{"type":"track","event":"Nobody"}]}""", Encoding.UTF8, "application/json"));
        Assert.True(res.IsSuccessStatusCode);
        var stored = page.Locator("[data-testid=debugger-table] tr", new() { HasText = "Debugger Check" });
        await stored.WaitForAsync(new() { Timeout = 10_000 });
        Assert.Equal("stored", (await stored.Locator("[data-testid=debugger-status]").InnerTextAsync()).Trim());
        var rejected = page.Locator("[data-testid=debugger-table] tr", new() { HasText = "Nobody" });
        await rejected.WaitForAsync();
        Assert.Equal("rejected", (await rejected.Locator("[data-testid=debugger-status]").InnerTextAsync()).Trim());
        Assert.Contains("Id", await rejected.Locator("[data-testid=debugger-reason]").InnerTextAsync(), StringComparison.Ordinal);
        await PanelFixture.ShotAsync(page, "collect-debugger");

        await page.GotoAsync("/sources");
        await page.Locator("[data-testid=volume-chart]").WaitForAsync();
        await PanelFixture.ShotAsync(page, "collect-sources");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesSources_ButNotEvents()
    {
        var ws = await fixture.WorkspaceAsync("Collect");
        var page = await fixture.SignInAsync(ws.ViewerEmail);
        await page.GotoAsync("/sources");
        await page.Locator("[data-testid=sources-table]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=create-source]").CountAsync());
        await page.Locator("[data-testid=collect-settings]").WaitForAsync();
        await page.GotoAsync("/events");
        await page.GetByText("may not", new() { Exact = false }).First.WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=events-table]").CountAsync());
        await page.Context.CloseAsync();
    }
}
