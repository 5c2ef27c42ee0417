using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Alerts;

namespace Pulse.Web.Tests;

/// <summary>The Alerts page: an owner sees and acknowledges an alert and sets the webhook; a viewer only reads.</summary>
/// <remarks>A partner, the one role without AlertsRead, is refused.</remarks>
[Collection(PanelCollection.Name)]
public sealed class AlertsPanelTests(PanelFixture fixture)
{
    [Fact]
    public async Task Owner_SeesAnOpenAlert_AcknowledgesIt_AndSetsTheWebhook_ViewerOnlyReads()
    {
        var ws = await fixture.WorkspaceAsync("Alerts");
        var title = "Order Completed fell to 0 " + Guid.NewGuid().ToString("N")[..6];
        await fixture.Server.WithScopeAsync<IAlerts, AlertDto>(a => a.RaiseAsync(new AlertRaise(
            ws.Id, "collect.volume", "source:test/event:" + title, AlertSeverity.Critical, title,
            "Order Completed fell to 0 in 14:00–15:00 UTC (source Web), usually 118.",
            new Dictionary<string, double> { ["expected"] = 118, ["observed"] = 0 }), default));

        var page = await fixture.SignInAsync(ws.OwnerEmail);
        await page.Locator("[data-testid=alert-count]").WaitForAsync();
        await page.GotoAsync("/alerts");
        var row = page.Locator("[data-testid=alerts-table] tr", new() { HasText = title });
        await row.WaitForAsync();
        Assert.Contains("118 / 0", await row.Locator("[data-testid=alert-figures]").InnerTextAsync(), StringComparison.Ordinal);
        await row.Locator("[data-testid=acknowledge]").ClickAsync();
        await row.GetByText("seen by " + ws.OwnerEmail).WaitForAsync();
        Assert.Equal(0, await row.Locator("[data-testid=acknowledge]").CountAsync());

        await page.Locator("[data-testid=webhook-url] input, input[data-testid=webhook-url]").First.FillAsync("ftp://nope");
        await page.ClickAsync("[data-testid=webhook-save]");
        await page.Locator("[data-testid=error]").WaitForAsync();
        await page.Locator("[data-testid=webhook-url] input, input[data-testid=webhook-url]").First.FillAsync("https://hooks.example.com/pulse");
        await page.ClickAsync("[data-testid=webhook-save]");
        await page.Locator("[data-testid=error]").WaitForAsync(new() { State = WaitForSelectorState.Detached });
        StringAssert.StartsWith("whsec_", await page.InnerTextAsync("[data-testid=webhook-secret]"));
        await PanelFixture.ShotAsync(page, "alerts");
        await page.Context.CloseAsync();

        var viewer = await fixture.SignInAsync(ws.ViewerEmail);
        await viewer.GotoAsync("/alerts");
        await viewer.Locator("[data-testid=alerts-table] tr", new() { HasText = title }).WaitForAsync();
        Assert.Equal(0, await viewer.Locator("[data-testid=acknowledge]").CountAsync());
        Assert.Equal(0, await viewer.Locator("[data-testid=alert-settings]").CountAsync());
        await viewer.Context.CloseAsync();

        // The one role without AlertsRead: a partner sees neither the page nor the menu entry.
        var partnerEmail = $"pat.partner-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(partnerEmail, WorkspaceRole.Partner, "Pat Partner");
        var partner = await fixture.SignInAsync(partnerEmail);
        await partner.GotoAsync("/alerts");
        await partner.GetByText("partner portal", new() { Exact = false }).First.WaitForAsync();
        Assert.Equal(0, await partner.Locator("[data-testid=alerts-table]").CountAsync());
        Assert.Equal(0, await partner.Locator("a[href='alerts']").CountAsync());
        await partner.Context.CloseAsync();
    }
}

internal static class StringAssert
{
    public static void StartsWith(string expected, string actual) =>
        Assert.StartsWith(expected, actual.Trim(), StringComparison.Ordinal);
}
