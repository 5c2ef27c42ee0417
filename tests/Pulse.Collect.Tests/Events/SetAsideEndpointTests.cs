using System.Net;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Events;

public sealed class SetAsideEndpointTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task SetAside_IsListedForAdmins_ButNotForAnalysts_AndPruneIsRefusedToAnApiKey()
    {
        var t = await fixture.TenantAsync();
        var list = await t.GetAsync("/api/v1/events/set-aside");
        Assert.Equal(0, list.GetArrayLength());

        var analyst = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Analyst)).Key;
        await t.GetAsync("/api/v1/events/set-aside", HttpStatusCode.Forbidden, analyst);

        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/events/prune?dryRun=true", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.Forbidden, res, await res.Content.ReadAsStringAsync());
    }
}
