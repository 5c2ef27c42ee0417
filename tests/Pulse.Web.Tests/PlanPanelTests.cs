using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Collect;
using Pulse.Collect.Plans;
using Pulse.Collect.Sources;
using Pulse.Platform.Access;

namespace Pulse.Web.Tests;

/// <summary>Tracking plans and the quarantine in the panel.</summary>
[Collection(PanelCollection.Name)]
public sealed class PlanPanelTests(PanelFixture fixture)
{
    [Fact]
    public async Task Owner_ReplaysABlockedEvent_FromTheQuarantinePage_AfterFixingThePlan()
    {
        var ws = await fixture.WorkspaceAsync("Plans");
        var actor = ws.Cli;
        var name = "Shop " + Guid.NewGuid().ToString("N")[..6];
        var source = await fixture.Server.WithScopeAsync<SourceService, SourceDto>(s => s.CreateAsync(actor, new CreateSourceRequest(name), default));
        await fixture.Server.WithScopeAsync<TrackingPlanService, TrackingPlanDto>(s => s.SetAsync(actor, name, new UpdatePlanRequest(PlanMode.Block), default));
        await PublishAsync(actor, name, """{"track":{"Order Completed":{"schema":{"properties":{"revenue":{"type":"number"}}}}}}""", null);

        using var http = new HttpClient { BaseAddress = fixture.Server.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(source.WriteKey + ":")));
        var res = await http.PostAsync("/v1/track", new StringContent(
            """{"userId":"u-9","event":"Order Completed","properties":{"revenue":"<b>12</b>"}}""", Encoding.UTF8, "application/json"));
        Assert.True(res.IsSuccessStatusCode);

        var page = await fixture.SignInAsync(ws.OwnerEmail);
        await page.GotoAsync("/quarantine");
        var row = page.Locator("[data-testid=quarantine-table] tr", new() { HasText = name });
        await row.WaitForAsync();
        Assert.Contains("type_mismatch", await row.Locator("[data-testid=quarantine-reason]").InnerTextAsync(), StringComparison.Ordinal);
        await row.Locator("button", new() { HasText = "Show" }).ClickAsync();
        var json = page.Locator("[data-testid=quarantine-json]").First;
        await json.WaitForAsync();
        Assert.Contains("<b>12</b>", await json.InnerTextAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await page.Locator("[data-testid=quarantine-json] b").CountAsync());

        // Still failing under the plan in force.
        await row.Locator("[data-testid=replay-one]").ClickAsync();
        await page.Locator("[data-testid=notice]", new() { HasText = "1 still failing" }).WaitForAsync();

        await PublishAsync(actor, name, """{"track":{"Order Completed":{"schema":{"properties":{"revenue":{"type":["number","string"]}}}}}}""", "revision");
        await page.Locator("[data-testid=quarantine-table] tr", new() { HasText = name }).Locator("[data-testid=replay-one]").ClickAsync();
        await page.Locator("[data-testid=notice]", new() { HasText = "1 replayed" }).WaitForAsync();
        await page.Locator("[data-testid=quarantine-table] tr", new() { HasText = name }).WaitForAsync(new() { State = Microsoft.Playwright.WaitForSelectorState.Detached });
        await PanelFixture.ShotAsync(page, "collect-quarantine");

        await page.GotoAsync("/events");
        var eventRow = page.Locator("[data-testid=events-table] tr", new() { HasText = "u-9" });
        await eventRow.WaitForAsync(new() { Timeout = 10_000 });
        Assert.Contains("1-1-0", await eventRow.Locator("[data-testid=event-violations]").InnerTextAsync(), StringComparison.Ordinal);

        await page.GotoAsync("/tracking-plans");
        await page.Locator("[data-testid=plan-definitions]").WaitForAsync();
        await PanelFixture.ShotAsync(page, "collect-tracking-plans");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesPlans_WithoutPublishing_AndIsRefusedTheQuarantine()
    {
        var ws = await fixture.WorkspaceAsync("Plans");
        var page = await fixture.SignInAsync(ws.ViewerEmail);
        await page.GotoAsync("/tracking-plans");
        await page.Locator("[data-testid=plan-source]").WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=plan-publish]").CountAsync());
        await page.GotoAsync("/quarantine");
        await page.GetByText("may not", new() { Exact = false }).First.WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=quarantine-table]").CountAsync());
        await page.Context.CloseAsync();
    }

    private Task<PlanVersionDto> PublishAsync(Actor actor, string source, string definitions, string? bump) =>
        fixture.Server.WithScopeAsync<TrackingPlanService, PlanVersionDto>(s => s.PublishAsync(actor,
            source, new PublishVersionRequest(JsonSerializer.Deserialize(definitions, CollectJsonContext.Default.PlanDefinitions), Bump: bump), default));
}
