using Microsoft.Playwright;
using Pulse.Platform.Access;

namespace Pulse.Web.Tests;

/// <summary>The Attribution page: a marketer compares the models on journeys; bad journeys are named; a viewer is refused.</summary>
[Collection(PanelCollection.Name)]
public sealed class AttributionPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task Marketer_AttributesTheWorkspacesRecordedConversions()
    {
        var ws = await fixture.WorkspaceAsync("Attribution");
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task Post(string path, object body)
        {
            var res = await fixture.Server.SendAsync(HttpMethod.Post, path, key, body);
            Assert.True(res.IsSuccessStatusCode, await res.Content.ReadAsStringAsync());
        }
        var created = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna Fit" });
        var anna = (await Pulse.Platform.Tests.TestServer.JsonAsync(created)).GetProperty("id").GetGuid();
        await Post("/api/v1/codes", new { code = "ANNA10", creatorId = anna });
        await Post("/api/v1/conversions", new { orderId = "PA-1", amount = 120m, currency = "PLN", code = "ANNA10" });
        await Post("/api/v1/conversions", new { orderId = "PA-2", amount = 80m, currency = "PLN", customerId = "walk-in" });
        var email = $"marketer-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(email, WorkspaceRole.Marketer, "Mia Marketer");
        var page = await fixture.SignInAsync(email);
        await page.GotoAsync("/attribution");
        await page.GetByTestId("report").ClickAsync();
        // The code's sale is its channel's (no visit of Anna's came first); the walk-in is direct.
        await Assertions.Expect(page.GetByTestId("cell-code-last_click")).ToContainTextAsync("1", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("cell-(direct)-markov")).ToContainTextAsync("1");
        await Assertions.Expect(page.GetByTestId("totals")).ToContainTextAsync("2 conversions worth 200");
        await Assertions.Expect(page.GetByTestId("report-summary")).ToContainTextAsync("2 journeys in PLN");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Marketer_ComparesTheModels_InAChartAndATable()
    {
        var ws = await fixture.WorkspaceAsync("Attribution");
        var email = $"marketer-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(email, WorkspaceRole.Marketer, "Mia Marketer");
        var page = await fixture.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Attribution", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("analyze")).ToBeVisibleAsync(Wait);
        // Puzyrov's example: Google Ads alone converts twice and fails once, mailing once, Google Ads then mailing once.
        await page.Locator("[data-testid=journeys] textarea, textarea[data-testid=journeys]").First.FillAsync("""
            {"journeys": [
              {"path": ["google ads"], "conversions": 2, "value": 200, "nulls": 1},
              {"path": ["mailing"], "conversions": 1, "value": 50, "nulls": 0},
              {"path": ["google ads", "mailing"], "conversions": 1, "value": 80, "nulls": 0}]}
            """);
        await page.GetByTestId("analyze").ClickAsync();
        await Assertions.Expect(page.GetByTestId("cell-google ads-markov")).ToContainTextAsync("2.4", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("cell-mailing-markov")).ToContainTextAsync("1.6");
        await Assertions.Expect(page.GetByTestId("cell-mailing-last_click")).ToContainTextAsync("2");
        await Assertions.Expect(page.GetByTestId("totals")).ToContainTextAsync("4 conversions worth 330");
        // The chart draws a bar per model and touch.
        await Assertions.Expect(page.Locator("[data-testid=attribution-chart] svg").First).ToBeVisibleAsync(Wait);
        Assert.True(await page.Locator("[data-testid=attribution-chart] svg rect, [data-testid=attribution-chart] svg path").CountAsync() >= 14);
        await PanelFixture.ShotAsync(page, "attribution");

        // Fewer models: only those are columns.
        await page.GetByTestId("model-shapley").ClickAsync();
        await page.GetByTestId("analyze").ClickAsync();
        // Waits for the new answer: the Shapley column goes, the others stay.
        await Assertions.Expect(page.GetByTestId("cell-mailing-shapley")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("cell-mailing-markov")).ToBeVisibleAsync(Wait);

        // A CSV of paths, as attribution tools export them, works the same.
        await page.Locator("[data-testid=journeys] textarea, textarea[data-testid=journeys]").First.FillAsync(
            "path,conversions,value,nulls\ninstagram > email,3,300,5\ntiktok,1,40,9\n");
        await page.GetByTestId("analyze").ClickAsync();
        await Assertions.Expect(page.GetByTestId("cell-email-last_click")).ToContainTextAsync("3", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("totals")).ToContainTextAsync("4 conversions worth 340");

        await page.Locator("[data-testid=journeys] textarea, textarea[data-testid=journeys]").First.FillAsync("""{"journeys": [{"path": [], "conversions": -1}]}""");
        await page.GetByTestId("analyze").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error")).ToContainTextAsync("journeys[0].path", new() { Timeout = 20_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_IsRefusedTheAttributionPage_AndDoesNotSeeItInTheMenu()
    {
        var ws = await fixture.WorkspaceAsync("Attribution");
        var page = await fixture.SignInAsync(ws.ViewerEmail);
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Attribution", Exact = true }).CountAsync());
        await page.GotoAsync("/attribution");
        await Assertions.Expect(page.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await page.GetByTestId("analyze").CountAsync());
        await page.Context.CloseAsync();
    }
}
