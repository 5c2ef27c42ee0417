using System.Net;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Links;

/// <summary>
/// A changed or disabled link takes effect on every node: in cluster mode a second server on the
/// same PostgreSQL and Redis, which has the old route cached, follows the change through the cache
/// signal (the route cache has no expiry of its own, so only the signal can make it follow).
/// </summary>
public sealed class LinkPropagationTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task ADisabledOrRedirectedLink_TakesEffectOnEveryNode()
    {
        await using var second = ClusterServices.ClusterPass
            ? await TestServer.StartAsync(new() { ["Storage:Postgres"] = Server.Postgres })
            : null;
        TestServer[] nodes = second is null ? [Server] : [Server, second];
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var slug = "prop-" + Guid.NewGuid().ToString("N")[..8];
        var link = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/old", slug, utm = false }));
        var id = link.GetProperty("id").GetGuid();
        async Task<(HttpStatusCode, string?)> Follow(TestServer node)
        {
            using var res = await node.Client.GetAsync($"/l/{slug}");
            return (res.StatusCode, res.Headers.Location?.ToString());
        }
        // Every node has the route in its cache.
        foreach (var node in nodes)
            Assert.StartsWith("https://shop.example/old", (await Follow(node)).Item2, StringComparison.Ordinal);

        TestData.AssertStatus(HttpStatusCode.OK, await Server.SendAsync(HttpMethod.Patch, $"/api/v1/links/{id}", key, new { url = "https://shop.example/new" }), "");
        foreach (var node in nodes)
            await Eventually.UntilAsync(() => Follow(node), r => r.Item2?.StartsWith("https://shop.example/new", StringComparison.Ordinal) == true,
                TimeSpan.FromSeconds(10), () => "the new destination on every node", pollMilliseconds: 20);

        TestData.AssertStatus(HttpStatusCode.OK, await Server.SendAsync(HttpMethod.Patch, $"/api/v1/links/{id}", key, new { enabled = false }), "");
        foreach (var node in nodes)
            await Eventually.UntilAsync(() => Follow(node), r => r.Item1 == HttpStatusCode.NotFound || r.Item1 == HttpStatusCode.Gone,
                TimeSpan.FromSeconds(10), () => "the disabled link refused on every node", pollMilliseconds: 20);
    }
}
