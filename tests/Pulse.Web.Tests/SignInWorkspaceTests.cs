using System.Net.Http.Headers;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Pulse.Collect.Log;
using Pulse.Collect.Sources;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Tests;

/// <summary>Where the panel opens after a sign-in: the workspace used last in this browser, or on a first sign-in the one with the most data.</summary>
[Collection(PanelCollection.Name)]
public sealed class SignInWorkspaceTests(PanelFixture fixture)
{
    private static readonly LocatorAssertionsToHaveTextOptions Wait = new() { Timeout = 20_000 };

    [Fact]
    public async Task FirstSignIn_OpensTheWorkspaceWithTheMostData_ThenTheOneUsedLast()
    {
        // The quiet one comes first by name, as the demo's "Demo Agency" comes before "Demo Shop".
        var quiet = await fixture.WorkspaceAsync("Aaa-Quiet");
        var busy = await fixture.Server.WithScopeAsync<WorkspaceService, WorkspaceDto>(s =>
            s.CreateAsync("Zzz-Busy-" + Guid.NewGuid().ToString("N")[..8], quiet.OwnerId, null, default));
        var source = await fixture.Server.WithScopeAsync<SourceService, SourceDto>(s =>
            s.CreateAsync(Actor.Cli(busy.Id), new CreateSourceRequest("Shop"), default));
        using (var http = new HttpClient { BaseAddress = fixture.Server.Address })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(source.WriteKey + ":")));
            var res = await http.PostAsync("/v1/batch", new StringContent(
                """{"batch":[{"type":"page","anonymousId":"sw-1","name":"Home"},{"type":"track","anonymousId":"sw-1","event":"Product Viewed"}]}""",
                Encoding.UTF8, "application/json"));
            Assert.True(res.IsSuccessStatusCode);
        }
        await fixture.Server.App.Services.GetRequiredService<EventLog>().CaughtUpAsync(TimeSpan.FromSeconds(30), default);

        var page = await fixture.SignInAsync(quiet.OwnerEmail);
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(busy.Name, Wait);

        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("workspace-" + quiet.Name).ClickAsync();
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(quiet.Name, Wait);
        await page.GetByTestId("logout").ClickAsync();
        await page.WaitForURLAsync(u => u.Contains("/account/login", StringComparison.Ordinal), new() { WaitUntil = WaitUntilState.Commit });
        await page.FillAsync("#email", quiet.OwnerEmail);
        await page.FillAsync("#password", TestData.Password);
        await page.ClickAsync("[data-testid=login-submit]");
        // The same browser: the workspace used last.
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(quiet.Name, Wait);

        // Another browser: a first sign-in there, so the busiest again.
        var other = await fixture.SignInAsync(quiet.OwnerEmail);
        await Assertions.Expect(other.Locator("h4").First).ToHaveTextAsync(busy.Name, Wait);
        await page.Context.CloseAsync();
        await other.Context.CloseAsync();
    }
}
