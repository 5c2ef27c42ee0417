using Pulse.Demo;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Tests.Bugs;

/// <summary>The demo team was drawn with a seed mixed with string.GetHashCode, which differs per process.</summary>
public sealed class Issue_demo_seed_not_deterministic
{
    [Fact]
    public async Task SameSeed_GivesTheSameTeam_DifferentSeed_AnotherOne()
    {
        var a = await TeamAsync(42);
        var b = await TeamAsync(42);
        var c = await TeamAsync(7);
        // Ten drawn people, the owner, the viewer and Anna, the creator with a partner login.
        Assert.Equal(13, a.Count);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
        Assert.All(a.Where(e => e != DemoSeeder.PartnerEmail + ":Partner"), e => Assert.Contains("@demo-shop.example:", e, StringComparison.Ordinal));
        // Fixed across processes too (string hashes are not): seed 42 always draws this team.
        Assert.Equal(Seed42, string.Join(",", a));
    }

    private const string Seed42 =
        "anna@fit.example:Partner,"
        + "eudoksja.szymczyk.4@demo-shop.example:Marketer,"
        + "george.hettinger.4@demo-shop.example:Admin,"
        + "gerald.panek.2@demo-shop.example:Admin,"
        + "isabella.conroy.0@demo-shop.example:Analyst,"
        + "margot.kulas.1@demo-shop.example:Marketer,"
        + "mitchell.collins.2@demo-shop.example:Marketer,"
        + "nigel.funk.3@demo-shop.example:Viewer,"
        + "onufry.malinowski.3@demo-shop.example:Partner,"
        + "owner@demo-shop.example:Owner,"
        + "roger.bednarek.1@demo-shop.example:Marketer,"
        + "roza.slowinski.0@demo-shop.example:Partner,"
        + "viewer@demo-shop.example:Viewer";

    private static async Task<List<string>> TeamAsync(int seed)
    {
        await using var s = await TestServer.StartAsync();
        await new DemoSeeder(s.App.Services, seed).SeedAsync(default);
        var shop = (await s.WithScopeAsync<WorkspaceService, WorkspaceDto?>(w => w.FindAsync(DemoSeeder.WorkspaceName, default)))!;
        var page = await s.WithScopeAsync<MemberService, Page<MemberDto>>(m => m.ListAsync(Actor.Cli(shop.Id), new PageRequest(null, 100), default));
        return page.Items.Select(m => $"{m.Email}:{m.Role}").Order(StringComparer.Ordinal).ToList();
    }
}
