using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Tests.Shared;

namespace Pulse.Web.Tests;

/// <summary>The Links page: a marketer creates a link, people click it, and its clicks, chart and QR code show; a viewer is refused.</summary>
[Collection(PanelCollection.Name)]
public sealed class LinksPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task Marketer_CreatesALink_AndSeesItsClicksPerDayDevicesAndQrCode()
    {
        var ws = await fixture.WorkspaceAsync("Links");
        var email = $"marketer-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(email, WorkspaceRole.Marketer, "Mia Marketer");
        var page = await fixture.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Links", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("no-links")).ToBeVisibleAsync(Wait);
        await page.GetByText("Create a link").ClickAsync();
        var slug = "panel-" + Guid.NewGuid().ToString("N")[..8];
        await page.Locator("[data-testid=link-url] input, input[data-testid=link-url]").First.FillAsync("https://shop.example/spring");
        await page.Locator("[data-testid=link-slug] input, input[data-testid=link-slug]").First.FillAsync(slug);
        await page.Locator("[data-testid=link-campaign] input, input[data-testid=link-campaign]").First.FillAsync("spring");
        await page.GetByTestId("link-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync($"/l/{slug}", new() { Timeout = 20_000 });

        // Two people click it, one from a phone.
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = new Uri(page.Url) };
        foreach (var ua in new[] { "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1",
                     "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36" })
        {
            using var req = new HttpRequestMessage(HttpMethod.Get, $"/l/{slug}");
            req.Headers.TryAddWithoutValidation("User-Agent", ua);
            Assert.Equal(System.Net.HttpStatusCode.Redirect, (await http.SendAsync(req)).StatusCode);
        }
        await Eventually.UntilAsync(async () =>
        {
            await page.ReloadAsync();
            return (await page.GetByTestId("link-clicks").First.TextContentAsync())?.Trim() == "2";
        }, TimeSpan.FromSeconds(30), () => "the two clicks in the table");
        await page.GetByTestId("link-row").First.ClickAsync();
        await Assertions.Expect(page.GetByTestId("link-totals")).ToContainTextAsync("2 clicks, 2 unique", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("breakdown-Devices")).ToContainTextAsync("mobile");
        await Assertions.Expect(page.GetByTestId("qr")).ToBeVisibleAsync(Wait);
        Assert.True(await page.Locator("[data-testid=clicks-chart] svg rect, [data-testid=clicks-chart] svg path").CountAsync() >= 1);
        // The downloads work with the panel's session: the QR code files and the clicks as CSV.
        var png = await page.APIRequest.GetAsync(await page.GetByTestId("qr-png").GetAttributeAsync("href") ?? "");
        Assert.Equal("image/png", png.Headers["content-type"]);
        Assert.Contains("<svg", await (await page.APIRequest.GetAsync(await page.GetByTestId("qr-svg").GetAttributeAsync("href") ?? "")).TextAsync(), StringComparison.Ordinal);
        var csv = await (await page.APIRequest.GetAsync(await page.GetByTestId("stats-csv").GetAttributeAsync("href") ?? "")).TextAsync();
        Assert.Contains("total,,2,2,0", csv, StringComparison.Ordinal);
        Assert.Contains("device,mobile,1,1,0", csv, StringComparison.Ordinal);
        await PanelFixture.ShotAsync(page, "links");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_IsRefusedTheLinksPage()
    {
        var ws = await fixture.WorkspaceAsync("Links");
        var page = await fixture.SignInAsync(ws.ViewerEmail);
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await page.GetByRole(AriaRole.Link, new() { Name = "Links", Exact = true }).CountAsync());
        await page.GotoAsync("/links");
        await Assertions.Expect(page.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        await page.Context.CloseAsync();
    }
}
