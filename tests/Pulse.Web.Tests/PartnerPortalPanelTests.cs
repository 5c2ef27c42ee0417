using System.Net;
using System.Reflection;
using Microsoft.AspNetCore.Components;
using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Web.Tests;

/// <summary>
/// A creator accepts an invitation, lands in the partner portal and sees their own links, codes,
/// orders and statements; every admin page is refused to them, and another creator's QR code and
/// data are not theirs to download. Admins in turn are refused the portal.
/// </summary>
[Collection(PanelCollection.Name)]
public sealed class PartnerPortalPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task AnInvitedCreator_JoinsAndSeesOnlyTheirOwnData_AndNoAdminPage()
    {
        var ws = await fixture.WorkspaceAsync("Partners");
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        async Task<System.Text.Json.JsonElement> Post(string path, object? body)
        {
            var res = await fixture.Server.SendAsync(HttpMethod.Post, path, key, body);
            var json = await TestServer.JsonAsync(res);
            Assert.True(res.IsSuccessStatusCode, json.ToString());
            return json;
        }
        var email = $"anna-{Guid.NewGuid():N}@fit.example";
        var anna = (await Post("/api/v1/creators", new { name = "Anna Fit", email })).GetProperty("id").GetGuid();
        var kuba = (await Post("/api/v1/creators", new { name = "Kuba Runs", email = $"kuba-{Guid.NewGuid():N}@runs.example" })).GetProperty("id").GetGuid();
        await Post("/api/v1/programs", new { name = "Ambassadors", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna, kuba }, landingDomains = new[] { "shop.example" } });
        var annaSlug = "anna-" + Guid.NewGuid().ToString("N")[..6];
        await Post("/api/v1/links", new { url = "https://shop.example/", slug = annaSlug, creatorId = anna });
        var kubaSlug = "kuba-" + Guid.NewGuid().ToString("N")[..6];
        var kubaLink = (await Post("/api/v1/links", new { url = "https://shop.example/", slug = kubaSlug, creatorId = kuba })).GetProperty("id").GetGuid();
        await Post("/api/v1/codes", new { code = "ANNA10", creatorId = anna });
        await Post("/api/v1/codes", new { code = "KUBA10", creatorId = kuba });
        await Post("/api/v1/conversions", new { orderId = "ORDER-ANNA", amount = 200m, currency = "PLN", code = "ANNA10" });
        await Post("/api/v1/conversions", new { orderId = "ORDER-KUBA", amount = 300m, currency = "PLN", code = "KUBA10" });
        var invite = (await Post($"/api/v1/creators/{anna}/invite", null)).GetProperty("inviteUrl").GetString()!;

        // The creator opens the link from the e-mail, chooses a password and is in.
        var context = await fixture.Browser.NewContextAsync(new BrowserNewContextOptions { BaseURL = fixture.Server.Address.ToString() });
        var page = await context.NewPageAsync();
        await page.GotoAsync(new Uri(invite).PathAndQuery);
        await Assertions.Expect(page.GetByTestId("join-info")).ToContainTextAsync("Anna Fit");
        await page.FillAsync("#password", TestData.Password);
        await page.FillAsync("#confirm", TestData.Password);
        await page.ClickAsync("[data-testid=join-submit]");
        await page.WaitForURLAsync(u => u.EndsWith("/partner", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit, Timeout = 60_000 });
        await Assertions.Expect(page.GetByTestId("kpi-conversions")).ToHaveTextAsync("1", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("partner-programs")).ToContainTextAsync("Ambassadors");
        Assert.True(await page.Locator("[data-testid=partner-chart] svg path, [data-testid=partner-chart] svg polyline").CountAsync() >= 1);

        await page.GotoAsync("/partner/links");
        await Assertions.Expect(page.GetByTestId("partner-link")).ToHaveCountAsync(1, new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("partner-link")).ToContainTextAsync(annaSlug);
        await Assertions.Expect(page.GetByTestId("partner-code")).ToContainTextAsync("ANNA10");
        Assert.Equal(0, await page.GetByText("KUBA10").CountAsync());
        // A link of her own, to the program's shop; elsewhere is refused with the reason.
        await page.Locator("input[data-testid=new-link-url], [data-testid=new-link-url] input").First.FillAsync("https://evil.example/");
        await page.GetByTestId("new-link-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error")).ToContainTextAsync("shop.example", new() { Timeout = 20_000 });
        await page.Locator("input[data-testid=new-link-url], [data-testid=new-link-url] input").First.FillAsync("https://shop.example/summer");
        await page.GetByTestId("new-link-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("Made", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("partner-link")).ToHaveCountAsync(2);
        await PanelFixture.ShotAsync(page, "partner-links");

        await page.GotoAsync("/partner/earnings");
        await Assertions.Expect(page.GetByTestId("partner-conversion")).ToContainTextAsync("ORDER-ANNA", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("partner-conversion")).ToContainTextAsync("20.00");
        Assert.Equal(0, await page.GetByText("ORDER-KUBA").CountAsync());
        await Assertions.Expect(page.GetByTestId("partner-statement")).ToHaveCountAsync(1);

        // Downloads carry only her data; Kuba's QR code is not found.
        var own = await page.APIRequest.GetAsync("/partner/export/links.csv");
        Assert.Equal(200, own.Status);
        var csv = await own.TextAsync();
        Assert.Contains(annaSlug, csv, StringComparison.Ordinal);
        Assert.DoesNotContain(kubaSlug, csv, StringComparison.Ordinal);
        Assert.DoesNotContain("ORDER-KUBA", await (await page.APIRequest.GetAsync("/partner/export/conversions.csv")).TextAsync(), StringComparison.Ordinal);
        Assert.Equal(404, (await page.APIRequest.GetAsync($"/partner/qr/{kubaLink}.png")).Status);
        var month = TimeProvider.System.GetUtcNow().UtcDateTime.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var statement = await (await page.APIRequest.GetAsync($"/partner/statement/{month}.html")).TextAsync();
        Assert.Contains("Anna Fit", statement, StringComparison.Ordinal);
        Assert.DoesNotContain("ORDER-KUBA", statement, StringComparison.Ordinal);
        // The management API takes keys, not the portal's cookie.
        Assert.Equal(401, (await page.APIRequest.GetAsync("/api/v1/creators")).Status);

        // Every page of the admin panel, one by one, is refused to her.
        var adminPages = typeof(Pulse.Web.PulseWeb).Assembly.GetTypes()
            .SelectMany(t => t.GetCustomAttributes<RouteAttribute>().Select(r => r.Template))
            .Where(r => !r.StartsWith("/partner", StringComparison.Ordinal) && !r.StartsWith("/account", StringComparison.Ordinal) && r is not ("/setup" or "/not-found"))
            .Select(r => r.Replace("{AnyId}", "someone", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal).ToList();
        Assert.True(adminPages.Count >= 15, string.Join(", ", adminPages));
        foreach (var route in adminPages)
        {
            await page.GotoAsync(route);
            await Assertions.Expect(page.GetByTestId("partner-only")).ToBeVisibleAsync(Wait);
            Assert.Equal(0, await page.GetByText("Kuba Runs").CountAsync());
        }
        await context.CloseAsync();

        // Signing in again later lands in the portal.
        var again = await fixture.SignInAsync(email);
        await again.WaitForURLAsync(u => u.EndsWith("/partner", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit, Timeout = 20_000 });
        await Assertions.Expect(again.GetByTestId("kpi-conversions")).ToHaveTextAsync("1", new() { Timeout = 20_000 });
        await again.Context.CloseAsync();

        // The owner is no partner: the portal is refused to them.
        var owner = await fixture.SignInAsync(ws.OwnerEmail);
        await owner.GotoAsync("/partner");
        await Assertions.Expect(owner.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        Assert.Equal(403, (await owner.APIRequest.GetAsync("/partner/export/links.csv")).Status);
        // The creator's page tells the owner she has portal access.
        await owner.GotoAsync($"/creators?id={anna}");
        await Assertions.Expect(owner.GetByTestId("creator-portal")).ToContainTextAsync("has portal access", new() { Timeout = 20_000 });
        await owner.Context.CloseAsync();
    }
}
