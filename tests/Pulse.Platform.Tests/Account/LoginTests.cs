using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.People;

namespace Pulse.Platform.Tests.Account;

public sealed class LoginTests
{
    [Fact]
    public async Task SixWrongPasswords_LockTheAccount_AndTheLockoutIsAudited()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var email = $"anna-{Guid.NewGuid():N}@example.com";
        await s.WithScopeAsync<MemberService, AddedMember>(m => m.AddAsync(Actor.Cli(ws.Id), email, "Marketer", null, TestData.Password, default));
        var form = await FormAsync(s);

        var locations = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var r = await form.PostAsync("/account/login", new() { ["Email"] = email, ["Password"] = "wrong-password-" + i });
            Assert.Equal(HttpStatusCode.Redirect, r.StatusCode);
            locations.Add(r.Headers.Location!.ToString());
        }
        Assert.All(locations.Take(4), l => Assert.Contains("error=invalid", l));
        Assert.Contains("error=locked", locations[4]);
        Assert.Contains("error=locked", locations[5]);

        // The right password no longer helps while locked.
        var right = await form.PostAsync("/account/login", new() { ["Email"] = email, ["Password"] = TestData.Password });
        Assert.Contains("error=locked", right.Headers.Location!.ToString());
        var cookies = right.Headers.TryGetValues("Set-Cookie", out var values) ? values : [];
        Assert.DoesNotContain(cookies, c => c.StartsWith("pulse.auth=", StringComparison.Ordinal));

        var actions = await s.WithScopeAsync<AuditQueries, List<string>>(async q =>
            (await q.ListAsync(Actor.Cli(ws.Id), new AuditFilter(Action: "auth."), new PageRequest(null, 50), default)).Items.Select(i => i.Action).Reverse().ToList());
        Assert.Equal(["auth.login_failed", "auth.login_failed", "auth.login_failed", "auth.login_failed", "auth.locked_out", "auth.login_refused_locked", "auth.login_refused_locked"], actions);
    }

    [Fact]
    public async Task RightPassword_SignsIn_AndIsAudited()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var email = $"ben-{Guid.NewGuid():N}@example.com";
        await s.WithScopeAsync<MemberService, AddedMember>(m => m.AddAsync(Actor.Cli(ws.Id), email, "Viewer", null, TestData.Password, default));
        var form = await FormAsync(s);
        var r = await form.PostAsync("/account/login", new() { ["Email"] = email, ["Password"] = TestData.Password, ["ReturnUrl"] = "https://evil.example/" });
        Assert.Equal("/", r.Headers.Location!.ToString());
        Assert.Contains(r.Headers.GetValues("Set-Cookie"), c => c.StartsWith("pulse.auth=", StringComparison.Ordinal));
        var last = await s.WithScopeAsync<AuditQueries, string>(async q =>
            (await q.ListAsync(Actor.Cli(ws.Id), new AuditFilter(Action: "auth."), new PageRequest(null, 1), default)).Items[0].Action);
        Assert.Equal("auth.login_succeeded", last);
    }

    [Fact]
    public async Task LoginWithoutAntiforgeryToken_Gets400_AndIsNotAttempted()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var email = $"cara-{Guid.NewGuid():N}@example.com";
        await s.WithScopeAsync<MemberService, AddedMember>(m => m.AddAsync(Actor.Cli(ws.Id), email, "Viewer", null, TestData.Password, default));
        var r = await s.Client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string> { ["Email"] = email, ["Password"] = TestData.Password }));
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var count = await s.WithScopeAsync<AuditQueries, int>(async q =>
            (await q.ListAsync(Actor.Cli(ws.Id), new AuditFilter(Action: "auth."), new PageRequest(null, 50), default)).Items.Count);
        Assert.Equal(0, count);
    }

    [Fact]
    public async Task LoginBruteForce_FromOneClient_IsRateLimited()
    {
        await using var s = await TestServer.StartAsync(new() { ["Security:LoginAttemptsPerMinute"] = "3" });
        var form = await FormAsync(s);
        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 5; i++)
            statuses.Add((await form.PostAsync("/account/login", new() { ["Email"] = "x@example.com", ["Password"] = "nope" })).StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, statuses[^1]);
    }

    private static Task<AntiforgeryForm> FormAsync(TestServer s) => AntiforgeryForm.OpenAsync(s);
}
