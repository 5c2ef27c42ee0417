using System.Globalization;
using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Web.Tests;

/// <summary>The Commissions page: an admin sees what creators earned per state, approves and pays; an analyst reads without buttons; a viewer is refused.</summary>
[Collection(PanelCollection.Name)]
public sealed class CommissionsPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task Admin_ApprovesAndPays_AnalystOnlyReads_ViewerIsRefused()
    {
        var ws = await fixture.WorkspaceAsync("Commissions");
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<System.Text.Json.JsonElement> Post(string path, object body)
        {
            var res = await fixture.Server.SendAsync(HttpMethod.Post, path, key, body);
            var json = await TestServer.JsonAsync(res);
            Assert.True(res.IsSuccessStatusCode, json.ToString());
            return json;
        }
        var anna = (await Post("/api/v1/creators", new { name = "Anna Fit", email = "anna@fit.example" })).GetProperty("id").GetGuid();
        await Post("/api/v1/codes", new { code = "ANNA10", creatorId = anna });
        await Post("/api/v1/programs", new { name = "Ambassadors", currency = "PLN", holdDays = 30, rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna } });
        foreach (var (order, amount, days) in new[] { ("O-1", 300m, 45), ("O-2", 200m, 1) })
            await Post("/api/v1/conversions", new { orderId = order, amount, currency = "PLN", code = "ANNA10", occurredAt = TimeProvider.System.GetUtcNow().AddDays(-days).ToString("O", CultureInfo.InvariantCulture) });

        // A self-referral: held until someone decides.
        await Post("/api/v1/conversions", new { orderId = "O-3", amount = 100m, currency = "PLN", code = "ANNA10", email = "anna@fit.example" });
        var adminEmail = $"admin-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(adminEmail, WorkspaceRole.Admin, "Adam Admin");
        var page = await fixture.SignInAsync(adminEmail);
        await page.GetByRole(AriaRole.Link, new() { Name = "Commissions", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/commissions$"), new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("commission-totals")).ToContainTextAsync("Pending: 50.00 PLN", new() { Timeout = 20_000 });
        Assert.True(await page.Locator("[data-testid=commissions-chart] svg rect, [data-testid=commissions-chart] svg path").CountAsync() >= 1);
        await Assertions.Expect(page.GetByTestId("programs")).ToContainTextAsync("sale: 10%");
        await Assertions.Expect(page.GetByTestId("fraud-flag")).ToContainTextAsync("creator's own address");
        await Assertions.Expect(page.GetByTestId("commission-totals")).ToContainTextAsync("On hold: 10.00 PLN");
        await page.GetByTestId("flag-reject").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("Flag on O-3 rejected", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("fraud-flag")).ToHaveCountAsync(0);
        await page.GetByTestId("approve-due").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("Approved 1 commissions", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("commission-totals")).ToContainTextAsync("Approved: 30.00 PLN");
        await page.GetByTestId("pay").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("Anna Fit 30.00 PLN", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("payout-amount").First).ToHaveTextAsync("30.00 PLN");
        await PanelFixture.ShotAsync(page, "commissions");
        await page.Context.CloseAsync();

        var analystEmail = $"analyst-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(analystEmail, WorkspaceRole.Analyst, "Ana Analyst");
        var analyst = await fixture.SignInAsync(analystEmail);
        await analyst.GotoAsync("/commissions");
        await Assertions.Expect(analyst.GetByTestId("commission-totals")).ToContainTextAsync("Paid: 30.00 PLN", new() { Timeout = 20_000 });
        Assert.Equal(0, await analyst.GetByTestId("pay").CountAsync());
        Assert.Equal(0, await analyst.GetByTestId("hold").CountAsync());
        // The creator's own page keeps the flag's history with its evidence.
        await analyst.GotoAsync($"/creators?id={anna}");
        await Assertions.Expect(analyst.GetByTestId("creator-flag")).ToContainTextAsync("self referral email", new() { Timeout = 20_000 });
        await Assertions.Expect(analyst.GetByTestId("creator-flag")).ToContainTextAsync("rejected");
        await Assertions.Expect(analyst.GetByTestId("creator-flag")).ToContainTextAsync("O-3");
        await analyst.Context.CloseAsync();

        var viewer = await fixture.SignInAsync(ws.ViewerEmail);
        await Assertions.Expect(viewer.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Link, new() { Name = "Commissions", Exact = true }).CountAsync());
        await viewer.GotoAsync("/commissions");
        await Assertions.Expect(viewer.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        await viewer.Context.CloseAsync();
    }
}
