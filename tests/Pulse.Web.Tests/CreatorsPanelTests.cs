using System.Text;
using Microsoft.Playwright;
using Pulse.Platform.Access;

namespace Pulse.Web.Tests;

/// <summary>The Creators page: a marketer adds and imports creators and keeps notes; an analyst only reads; a viewer is refused.</summary>
[Collection(PanelCollection.Name)]
public sealed class CreatorsPanelTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };

    private static ILocator Field(IPage page, string id) => page.Locator($"[data-testid={id}] input, input[data-testid={id}]").First;

    [Fact]
    public async Task Marketer_AddsAndImportsCreators_SeesTiersInAChart_AndKeepsNotes()
    {
        var ws = await fixture.WorkspaceAsync("Creators");
        var email = $"marketer-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(email, WorkspaceRole.Marketer, "Mia Marketer");
        var page = await fixture.SignInAsync(email);
        await page.GetByRole(AriaRole.Link, new() { Name = "Creators", Exact = true }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("no-creators")).ToBeVisibleAsync(Wait);

        await page.GetByText("Add a creator").ClickAsync();
        await Field(page, "creator-name").FillAsync("Kuba Nowak");
        await Field(page, "handle-instagram").FillAsync("https://www.instagram.com/kuba_runs/");
        await Field(page, "followers-instagram").FillAsync("45k");
        await page.GetByTestId("creator-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("notice")).ToContainTextAsync("Added creator 'Kuba Nowak' (micro)", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("creators-table")).ToContainTextAsync("instagram @kuba_runs");

        // A handle already taken is refused, naming its owner.
        await Field(page, "creator-name").FillAsync("Copycat");
        await Field(page, "handle-instagram").FillAsync("@KUBA_RUNS");
        await page.GetByTestId("creator-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error")).ToContainTextAsync("belongs to creator 'Kuba Nowak'", new() { Timeout = 20_000 });

        await page.GetByText("Import from CSV").ClickAsync();
        var csv = "name,email,tiktok,tiktok_followers,youtube,youtube_followers\nAnna Kowalska,anna@example.com,@anna_fit,1.2M,,\nOla,not-an-email,,,@ola,900\n";
        await page.Locator("[data-testid=import-file] input[type=file], input[type=file][data-testid=import-file]").First
            .SetInputFilesAsync(new FilePayload { Name = "creators.csv", MimeType = "text/csv", Buffer = Encoding.UTF8.GetBytes(csv) });
        await Assertions.Expect(page.GetByTestId("import-summary")).ToContainTextAsync("Created 1, updated 0, refused 1 of 2 rows", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("import-errors")).ToContainTextAsync("email:");
        await Assertions.Expect(page.GetByTestId("creators-table")).ToContainTextAsync("Anna Kowalska", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("creators-table")).Not.ToContainTextAsync("Ola");
        // One micro and one mega creator: the tier chart draws their bars.
        await Assertions.Expect(page.Locator("[data-testid=tier-chart] svg").First).ToBeVisibleAsync(Wait);
        Assert.True(await page.Locator("[data-testid=tier-chart] svg rect, [data-testid=tier-chart] svg path").CountAsync() >= 2);
        await PanelFixture.ShotAsync(page, "creators");

        await page.GetByTestId("creator-link").Filter(new() { HasText = "Anna Kowalska" }).ClickAsync();
        await Assertions.Expect(page.GetByTestId("creator-detail")).ToContainTextAsync("mega", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("creator-payout")).ToContainTextAsync("not set");
        await page.Locator("[data-testid=note-text] textarea, textarea[data-testid=note-text]").First.FillAsync("Prefers TikTok; ask for two videos in March.");
        await page.GetByTestId("note-add").ClickAsync();
        await Assertions.Expect(page.GetByTestId("note")).ToContainTextAsync("ask for two videos in March", new() { Timeout = 20_000 });
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Analyst_ReadsCreators_WithoutTheFormsToChangeThem_AndAViewerIsRefused()
    {
        var ws = await fixture.WorkspaceAsync("Creators");
        var analyst = $"analyst-{Guid.NewGuid():N}@example.com";
        await ws.AddMemberAsync(analyst, WorkspaceRole.Analyst, "Adam Analyst");
        var page = await fixture.SignInAsync(analyst);
        await page.GotoAsync("/creators");
        await Assertions.Expect(page.GetByTestId("creators-table")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await page.GetByTestId("add-creator").CountAsync());
        Assert.Equal(0, await page.GetByTestId("import-creators").CountAsync());
        await page.Context.CloseAsync();

        var viewer = await fixture.SignInAsync(ws.ViewerEmail);
        await Assertions.Expect(viewer.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await viewer.GetByRole(AriaRole.Link, new() { Name = "Creators", Exact = true }).CountAsync());
        await viewer.GotoAsync("/creators");
        await Assertions.Expect(viewer.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        Assert.Equal(0, await viewer.GetByTestId("creators-table").CountAsync());
        await viewer.Context.CloseAsync();
    }
}
