using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Web.Tests;

/// <summary>The ROI page: an analyst compares creators' cost and return under each model in a chart and tables; a viewer is refused.</summary>
[Collection(PanelCollection.Name)]
public sealed class RoiPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task Analyst_ComparesCreatorsReturn_ViewerIsRefused()
    {
        var ws = await fixture.WorkspaceAsync("Roi");
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<System.Text.Json.JsonElement> Post(string path, object body)
        {
            var res = await fixture.Server.SendAsync(HttpMethod.Post, path, key, body);
            var json = await TestServer.JsonAsync(res);
            Assert.True(res.IsSuccessStatusCode, json.ToString());
            return json;
        }
        var anna = (await Post("/api/v1/creators", new { name = "Anna Fit" })).GetProperty("id").GetGuid();
        await Post("/api/v1/programs", new { name = "P", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna } });
        await Post("/api/v1/codes", new { code = "ANNA10", creatorId = anna });
        await Post("/api/v1/conversions", new { orderId = "R-1", amount = 400m, currency = "PLN", code = "ANNA10" });

        var analystEmail = $"analyst-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(analystEmail, WorkspaceRole.Analyst, "Ana Analyst");
        var page = await fixture.SignInAsync(analystEmail);
        await page.GetByRole(AriaRole.Link, new() { Name = "ROI", Exact = true }).ClickAsync();
        var row = page.GetByTestId("roi-row").Filter(new() { HasText = "Anna Fit" });
        // 400 PLN credited against a 40 PLN commission: ROAS 10×, ROI 900%.
        await Assertions.Expect(row).ToContainTextAsync("40.00", new() { Timeout = 20_000 });
        await Assertions.Expect(row).ToContainTextAsync("10.00×");
        await Assertions.Expect(row).ToContainTextAsync("900%");
        Assert.True(await page.Locator("[data-testid=roi-chart] svg rect, [data-testid=roi-chart] svg path").CountAsync() >= 1);
        await Assertions.Expect(page.GetByTestId("roi-models")).ToContainTextAsync("shapley");
        await PanelFixture.ShotAsync(page, "roi");
        await page.Context.CloseAsync();

        var viewer = await fixture.SignInAsync(ws.ViewerEmail);
        await Assertions.Expect(viewer.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Link, new() { Name = "ROI", Exact = true }).CountAsync());
        await viewer.GotoAsync("/roi");
        await Assertions.Expect(viewer.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        await viewer.Context.CloseAsync();
    }
}
