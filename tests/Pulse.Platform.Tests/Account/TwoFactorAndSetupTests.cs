using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.People;
using Pulse.Platform.Setup;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Tests.Account;

public sealed class TwoFactorAndSetupTests
{
    [Fact]
    public async Task WithTotpOn_PasswordAloneDoesNotSignIn_TheCodeDoes_AndAWrongCodeCountsAsAFailure()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var email = $"tina-{Guid.NewGuid():N}@example.com";
        await s.WithScopeAsync<MemberService, AddedMember>(m => m.AddAsync(Actor.Cli(ws.Id), email, "Admin", null, TestData.Password, default));
        var key = await s.WithScopeAsync<UserManager<PulseUser>, string>(async users =>
        {
            var user = (await users.FindByEmailAsync(email))!;
            await users.ResetAuthenticatorKeyAsync(user);
            await users.SetTwoFactorEnabledAsync(user, true);
            return (await users.GetAuthenticatorKeyAsync(user))!;
        });

        var form = await AntiforgeryForm.OpenAsync(s);
        var first = await form.PostAsync("/account/login", new() { ["Email"] = email, ["Password"] = TestData.Password });
        Assert.StartsWith("/account/login/2fa", first.Headers.Location!.ToString());
        Assert.False(form.HasCookie("pulse.auth"));

        await form.GetAsync("/account/login/2fa");
        var wrong = await form.PostAsync("/account/login/2fa", new() { ["Code"] = WrongCode(key) });
        Assert.Contains("error=code", wrong.Headers.Location!.ToString());
        Assert.False(form.HasCookie("pulse.auth"));

        var right = await form.PostAsync("/account/login/2fa", new() { ["Code"] = Totp.Code(key, TimeProvider.System.GetUtcNow()) });
        Assert.Equal("/", right.Headers.Location!.ToString());
        Assert.True(form.HasCookie("pulse.auth"));

        var actions = await s.WithScopeAsync<AuditQueries, List<string>>(async q =>
            (await q.ListAsync(Actor.Cli(ws.Id), new AuditFilter(Action: "auth."), new PageRequest(null, 10), default)).Items.Select(i => i.Action + " " + i.After).Reverse().ToList());
        Assert.Equal(2, actions.Count);
        Assert.StartsWith("auth.login_failed", actions[0]);
        Assert.Contains("wrong code", actions[0]);
        Assert.StartsWith("auth.login_succeeded", actions[1]);
        Assert.Contains("totp", actions[1]);
    }

    [Fact]
    public async Task TwoFactorPage_WithoutAPasswordStep_SendsBackToLogin()
    {
        await using var s = await TestServer.StartAsync();
        var form = await AntiforgeryForm.OpenAsync(s, "/account/login/2fa");
        var r = await form.PostAsync("/account/login/2fa", new() { ["Code"] = "123456" });
        // It failed once in ./test.sh with no redirect at all: say what came back instead.
        Assert.True(r.Headers.Location is not null, $"no redirect: {(int)r.StatusCode} {await r.Content.ReadAsStringAsync()}");
        Assert.Equal("/account/login?error=expired", r.Headers.Location.ToString());
    }

    [Fact]
    public async Task SetupLink_CreatesTheFirstOwnerOnce()
    {
        await using var s = await TestServer.StartAsync();
        var token = s.App.Services.GetRequiredService<SetupTokens>().Issue();
        var form = await AntiforgeryForm.OpenAsync(s, "/setup?token=" + token);

        var mismatch = await form.PostAsync("/setup", Fields(token, "first@example.com", TestData.Password, "Other-Password-1", "Acme"));
        Assert.Contains("error=confirm", mismatch.Headers.Location!.ToString());
        var weak = await form.PostAsync("/setup", Fields(token, "first@example.com", "short", "short", "Acme"));
        var weakLocation = weak.Headers.Location!.ToString();
        Assert.Contains("error=", weakLocation);
        token = System.Web.HttpUtility.ParseQueryString(new Uri(s.Address, weakLocation).Query)["token"]!;

        var ok = await form.PostAsync("/setup", Fields(token, "first@example.com", TestData.Password, TestData.Password, "Acme"));
        Assert.Equal("/", ok.Headers.Location!.ToString());
        Assert.True(form.HasCookie("pulse.auth"));
        var owner = await s.WithScopeAsync<UserService, UserDto?>(u => u.FindAsync("first@example.com", default));
        var mine = await s.WithScopeAsync<WorkspaceService, IReadOnlyList<WorkspaceMembershipDto>>(w => w.ListForUserAsync(owner!.Id, default));
        Assert.Equal(WorkspaceRole.Owner, Assert.Single(mine).Role);
        Assert.Equal("Acme", mine[0].Name);

        // The used link no longer offers a form; a forged post with a valid antiforgery token is refused too.
        Assert.Contains("not valid or was already used", await new AntiforgeryForm(s.Client).GetAsync("/setup?token=" + token));
        var attacker = await AntiforgeryForm.OpenAsync(s);
        var reuse = await attacker.PostAsync("/setup", Fields(token, "second@example.com", TestData.Password, TestData.Password, "Evil"));
        Assert.Contains("error=token", reuse.Headers.Location!.ToString());
        Assert.Null(await s.WithScopeAsync<UserService, UserDto?>(u => u.FindAsync("second@example.com", default)));
    }

    [Fact]
    public async Task AdminFromEnvironment_BecomesOwnerOfDefault_OnlyOnAnEmptyStore()
    {
        await using var s = await TestServer.StartAsync(new() { ["ADMIN_EMAIL"] = "boss@example.com", ["ADMIN_PASSWORD"] = TestData.Password });
        var boss = await s.WithScopeAsync<UserService, UserDto?>(u => u.FindAsync("boss@example.com", default));
        Assert.NotNull(boss);
        var mine = await s.WithScopeAsync<WorkspaceService, IReadOnlyList<WorkspaceMembershipDto>>(w => w.ListForUserAsync(boss.Id, default));
        Assert.Equal(("Default", WorkspaceRole.Owner), (Assert.Single(mine).Name, mine[0].Role));
        var form = await AntiforgeryForm.OpenAsync(s);
        var login = await form.PostAsync("/account/login", new() { ["Email"] = "boss@example.com", ["Password"] = TestData.Password });
        Assert.Equal("/", login.Headers.Location!.ToString());
    }

    private static Dictionary<string, string> Fields(string token, string email, string password, string confirm, string workspace) => new()
    {
        ["Token"] = token, ["Email"] = email, ["Password"] = password, ["ConfirmPassword"] = confirm, ["Workspace"] = workspace,
    };

    private static string WrongCode(string key)
    {
        var now = TimeProvider.System.GetUtcNow();
        var valid = new[] { -60, -30, 0, 30, 60 }.Select(d => Totp.Code(key, now.AddSeconds(d))).ToHashSet();
        return Enumerable.Range(0, 10).Select(i => i.ToString("D6", System.Globalization.CultureInfo.InvariantCulture)).First(c => !valid.Contains(c));
    }
}
