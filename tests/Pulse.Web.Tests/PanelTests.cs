using System.Net;
using Microsoft.Playwright;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Tests;

[Collection(PanelCollection.Name)]
public sealed class PanelTests(PanelFixture f) : IAsyncLifetime
{
    private static readonly LocatorAssertionsToBeVisibleOptions Wait = new() { Timeout = 20_000 };
    private PanelWorkspace _acme = null!;
    private WorkspaceDto _beta = null!;
    private string _lockedEmail = "";

    /// <summary>This test's own owner with two workspaces, Acme and Beta; Acme has a viewer, a marketer and an API key.</summary>
    public async Task InitializeAsync()
    {
        _acme = await f.WorkspaceAsync("Acme");
        _beta = await f.Server.WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsync("Beta-" + Guid.NewGuid().ToString("N")[..8], _acme.OwnerId, null, default));
        _lockedEmail = $"locked-{Guid.NewGuid():N}@example.com";
        await _acme.AddMemberAsync(_lockedEmail, WorkspaceRole.Marketer, "Lena Locked");
        await f.Server.CreateKeyAsync(_acme.Id, WorkspaceRole.Marketer, "Website backend");
    }

    public Task DisposeAsync() => Task.CompletedTask;

    [Fact]
    public async Task Owner_LogsIn_SwitchesWorkspace_CreatesAndRevokesAKey()
    {
        var page = await f.LoginAsync(_acme.OwnerEmail);
        await Assertions.Expect(page.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByTestId("current-role")).ToHaveTextAsync("Owner");
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(_acme.Name);
        await PanelFixture.ShotAsync(page, "overview");

        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("workspace-" + _beta.Name).ClickAsync();
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(_beta.Name, new() { Timeout = 20_000 });
        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("workspace-" + _acme.Name).ClickAsync();
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(_acme.Name, new() { Timeout = 20_000 });

        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("workspace-new").ClickAsync();
        await page.Locator("[data-testid=workspace-name] input, input[data-testid=workspace-name]").First.FillAsync(_acme.Name);
        await page.GetByTestId("workspace-create").ClickAsync();
        await Assertions.Expect(page.GetByTestId("error")).ToContainTextAsync("already exists");
        await page.Locator("[data-testid=workspace-name] input, input[data-testid=workspace-name]").First.FillAsync("Gamma " + Guid.NewGuid().ToString("N")[..6]);
        await page.GetByTestId("workspace-create").ClickAsync();
        await Assertions.Expect(page.Locator("h4").First).ToContainTextAsync("Gamma", new() { Timeout = 20_000 });
        await Assertions.Expect(page.GetByTestId("current-role")).ToHaveTextAsync("Owner");
        await page.GetByTestId("workspace-switcher").ClickAsync();
        await page.GetByTestId("workspace-" + _acme.Name).ClickAsync();
        await Assertions.Expect(page.Locator("h4").First).ToHaveTextAsync(_acme.Name, new() { Timeout = 20_000 });

        await page.GotoAsync("/apikeys");
        await Assertions.Expect(page.GetByTestId("create-key")).ToBeVisibleAsync(Wait);
        await page.Locator("[data-testid=key-name] input, input[data-testid=key-name]").First.FillAsync("Playwright key");
        await page.GetByTestId("key-create").ClickAsync();
        var newKey = page.GetByTestId("new-key");
        await Assertions.Expect(newKey).ToBeVisibleAsync(Wait);
        var key = (await newKey.InnerTextAsync()).Trim();
        Assert.StartsWith("pk_live_", key);
        await PanelFixture.ShotAsync(page, "apikeys-created");

        var works = await f.Server.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key);
        Assert.Equal(HttpStatusCode.OK, works.StatusCode);

        await page.GetByTestId("revoke-Playwright key").ClickAsync();
        await Assertions.Expect(page.GetByTestId("revoke-Playwright key")).ToHaveCountAsync(0, new() { Timeout = 20_000 });
        var refused = await f.Server.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);

        await page.GotoAsync("/audit");
        await Assertions.Expect(page.GetByTestId("audit-table")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByTestId("audit-action").First).ToHaveTextAsync("apikey.revoked", new() { Timeout = 20_000 });
        await PanelFixture.ShotAsync(page, "audit");

        await page.GotoAsync("/members");
        await Assertions.Expect(page.GetByTestId("add-member")).ToBeVisibleAsync(Wait);
        await PanelFixture.ShotAsync(page, "members");
        await page.GotoAsync("/account/security");
        await Assertions.Expect(page.GetByTestId("2fa-status")).ToBeVisibleAsync(Wait);
        await PanelFixture.ShotAsync(page, "security");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task Viewer_SeesNoEditButtons_AndIsRefusedTheAuditPage()
    {
        var page = await f.LoginAsync(_acme.ViewerEmail);
        await Assertions.Expect(page.GetByTestId("current-role")).ToHaveTextAsync("Viewer", new() { Timeout = 20_000 });

        await page.GotoAsync("/apikeys");
        await Assertions.Expect(page.GetByTestId("keys-table")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByText("Website backend")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByTestId("create-key")).ToHaveCountAsync(0);
        await Assertions.Expect(page.Locator("[data-testid^=revoke-]")).ToHaveCountAsync(0);
        await PanelFixture.ShotAsync(page, "apikeys-viewer");

        await page.GotoAsync("/members");
        await Assertions.Expect(page.GetByTestId("members-table")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByTestId("add-member")).ToHaveCountAsync(0);

        await page.GotoAsync("/audit");
        await Assertions.Expect(page.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        await page.GotoAsync("/workspaces/new");
        await Assertions.Expect(page.GetByTestId("no-access")).ToBeVisibleAsync(Wait);
        await Assertions.Expect(page.GetByTestId("workspace-create")).ToHaveCountAsync(0);
        await PanelFixture.ShotAsync(page, "audit-viewer-refused");
        await page.Context.CloseAsync();
    }

    [Fact]
    public async Task SixWrongPasswords_LockTheAccount_AndOwnerSeesItInThePanel()
    {
        var page = await f.LoginAsync(_lockedEmail, "wrong-1");
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("Wrong e-mail or password");
        await PanelFixture.ShotAsync(page, "login-error");
        for (var i = 2; i <= 6; i++)
        {
            await page.FillAsync("#email", _lockedEmail);
            await page.FillAsync("#password", "wrong-" + i);
            await page.ClickAsync("[data-testid=login-submit]");
        }
        await Assertions.Expect(page.GetByTestId("login-error")).ToContainTextAsync("locked");
        await PanelFixture.ShotAsync(page, "login-locked");
        await page.Context.CloseAsync();

        var owner = await f.LoginAsync(_acme.OwnerEmail);
        await Assertions.Expect(owner.GetByTestId("workspace-switcher")).ToBeVisibleAsync(Wait);
        await owner.GotoAsync("/members");
        var row = owner.Locator("tr", new() { HasText = _lockedEmail });
        await Assertions.Expect(row.GetByTestId("locked-badge")).ToBeVisibleAsync(Wait);
        await owner.GotoAsync("/audit");
        await Assertions.Expect(owner.GetByTestId("audit-table")).ToBeVisibleAsync(Wait);
        await owner.Locator("[data-testid=filter-action] input, input[data-testid=filter-action]").First.FillAsync("auth.locked_out");
        await owner.GetByTestId("filter-apply").ClickAsync();
        await Assertions.Expect(owner.GetByTestId("audit-action")).ToHaveTextAsync(["auth.locked_out"], new() { Timeout = 20_000 });
        await PanelFixture.ShotAsync(owner, "audit-lockout");
        await owner.Context.CloseAsync();
    }
}
