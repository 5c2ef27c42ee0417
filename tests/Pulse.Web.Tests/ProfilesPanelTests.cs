using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Sources;

namespace Pulse.Web.Tests;

/// <summary>The Profiles page: look-up, consent, erasure for an owner; refused to a viewer.</summary>
[Collection(PanelCollection.Name)]
public sealed class ProfilesPanelTests(PanelFixture fixture)
{
    [Fact]
    public async Task Owner_FindsAPersonByAnyId_OptsThemOut_AndErasesThem()
    {
        var ws = await fixture.WorkspaceAsync("Profiles");
        var source = await fixture.Server.WithScopeAsync<SourceService, SourceDto>(s =>
            s.CreateAsync(ws.Cli, new CreateSourceRequest("Profiles " + Guid.NewGuid().ToString("N")[..6]), default));
        var user = "panel-user-" + Guid.NewGuid().ToString("N")[..6];
        using (var http = new HttpClient { BaseAddress = fixture.Server.Address })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(source.WriteKey + ":")));
            var res = await http.PostAsync("/v1/batch", new StringContent($$$"""
                {"batch":[
                  {"type":"page","anonymousId":"{{{user}}}-device","name":"Home"},
                  {"type":"identify","anonymousId":"{{{user}}}-device","userId":"{{{user}}}","traits":{"email":"{{{user}}}@example.com","plan":"<b>gold</b>"}},
                  {"type":"track","userId":"{{{user}}}","event":"Order Completed"}
                ]}
                """, Encoding.UTF8, "application/json"));
            Assert.True(res.IsSuccessStatusCode);
        }
        var services = fixture.Server.App.Services;
        await services.GetRequiredService<IProfileProgress>().CaughtUpAsync(services.GetRequiredService<EventLog>().Head, default).WaitAsync(TimeSpan.FromSeconds(30));

        var page = await fixture.SignInAsync(ws.OwnerEmail);
        await page.GotoAsync("/profiles");
        // Right now: the visitor just seen is counted and listed with their session.
        var recent = page.Locator("[data-testid=recent-visitors] tr", new() { HasText = user + "-device" });
        await recent.WaitForAsync();
        Assert.True(int.Parse(await page.InnerTextAsync("[data-testid=active-now]"), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        await page.Locator("[data-testid=profile-search] input, input[data-testid=profile-search]").First.FillAsync(user + "-device");
        await page.ClickAsync("[data-testid=profile-search-go]");
        var identities = page.Locator("[data-testid=profile-identities]");
        await identities.WaitForAsync();
        Assert.Contains("user_id: " + user, await identities.InnerTextAsync(), StringComparison.Ordinal);
        var traits = await page.InnerTextAsync("[data-testid=profile-traits]");
        Assert.Contains("<b>gold</b>", traits, StringComparison.Ordinal); // shown as text, not markup
        Assert.Equal(3, await page.Locator("[data-testid=profile-timeline] tbody tr").CountAsync());
        Assert.Equal("active now", (await page.InnerTextAsync("[data-testid=profile-active]")).Trim());
        await PanelFixture.ShotAsync(page, "collect-profile");

        await page.ClickAsync("[data-testid=profile-opt-out]");
        await page.Locator("[data-testid=profile-opt-in]").WaitForAsync();
        Assert.Contains("Opted out", await page.InnerTextAsync("[data-testid=profile-consent]"), StringComparison.Ordinal);

        await page.ClickAsync("[data-testid=profile-erase]");
        await page.ClickAsync("[data-testid=profile-erase-confirm]");
        var erased = page.Locator("[data-testid=profile-erased]");
        await erased.WaitForAsync();
        Assert.Contains("3 events", await erased.InnerTextAsync(), StringComparison.Ordinal);
        await page.Context.CloseAsync();

        var left = await fixture.Server.WithScopeAsync<ProfileService, IReadOnlyList<string>>(s => s.IdsOfAsync(ws.Id, user, default));
        Assert.Equal([user], left); // no profile holds the id any more
    }

    [Fact]
    public async Task Viewer_IsRefusedTheProfilesPage()
    {
        var ws = await fixture.WorkspaceAsync("Profiles");
        var page = await fixture.SignInAsync(ws.ViewerEmail);
        await page.GotoAsync("/profiles");
        await page.GetByText("may not", new() { Exact = false }).First.WaitForAsync();
        Assert.Equal(0, await page.Locator("[data-testid=profile-search]").CountAsync());
        Assert.Equal(0, await page.Locator("a[href='profiles']").CountAsync());
        await page.Context.CloseAsync();
    }
}
