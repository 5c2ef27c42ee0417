using System.Net;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Links;

/// <summary>One URL → one link per creator and platform, in both storage modes.</summary>
public sealed class BulkLinkTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, object? json = null)
    {
        var res = await Server.SendAsync(method, path, key, json);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task AGroup_GetsALinkPerCreatorAndPlatform_EachWithItsOwnUtm()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        await SendAsync(HttpMethod.Post, "/api/v1/creator-groups", key, new { name = "Spring" });
        await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new
        {
            name = "Anna", groups = new[] { "Spring" },
            handles = new[] { new { platform = "instagram", handle = "anna_fit" }, new { platform = "tiktok", handle = "anna.tok" } },
        });
        var (_, kuba) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Kuba", groups = new[] { "Spring" }, handles = new[] { new { platform = "youtube", handle = "kubaruns" } } });
        await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Not in the group", handles = new[] { new { platform = "x", handle = "other" } } });

        var (res, result) = await SendAsync(HttpMethod.Post, "/api/v1/links/bulk", key, new { url = "https://shop.example/spring", group = "spring", campaign = "spring-2027" });
        TestData.AssertStatus(HttpStatusCode.Created, res, result.ToString());
        Assert.Equal(3, result.GetProperty("created").GetInt32());
        var destinations = result.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("destination").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(
        [
            "https://shop.example/spring?utm_source=instagram&utm_medium=influencer&utm_campaign=spring-2027&utm_content=anna_fit",
            "https://shop.example/spring?utm_source=tiktok&utm_medium=influencer&utm_campaign=spring-2027&utm_content=anna.tok",
            "https://shop.example/spring?utm_source=youtube&utm_medium=influencer&utm_campaign=spring-2027&utm_content=kubaruns",
        ], destinations);
        Assert.Equal(3, result.GetProperty("links").EnumerateArray().Select(l => l.GetProperty("slug").GetString()).Distinct().Count());
        Assert.Equal(HttpStatusCode.Redirect, (await Server.Client.GetAsync($"/l/{result.GetProperty("links")[0].GetProperty("slug").GetString()}")).StatusCode);

        // Named creators and one platform for all of them.
        var (_, one) = await SendAsync(HttpMethod.Post, "/api/v1/links/bulk", key, new { url = "https://shop.example/", creatorIds = new[] { kuba.GetProperty("id").GetGuid() }, platforms = new[] { "Newsletter" } });
        Assert.Equal("newsletter", one.GetProperty("links")[0].GetProperty("platform").GetString());
        Assert.Equal(4, (await SendAsync(HttpMethod.Get, "/api/v1/links", key)).Body.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task OversizedOrWrongBulkRequests_Get400_AndMakeNothing()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var (_, anna) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna" });
        var id = anna.GetProperty("id").GetGuid();
        foreach (var (body, field) in new (object, string)[]
        {
            (new { url = "https://shop.example/", creatorIds = Enumerable.Range(0, 1001).Select(_ => Guid.NewGuid()).ToArray() }, "creatorIds"),
            (new { url = "https://shop.example/", creatorIds = new[] { id, Guid.NewGuid() } }, "creatorIds"),
            (new { url = "https://shop.example/", creatorIds = new[] { id }, group = "Spring" }, "creatorIds"),
            (new { url = "javascript:alert(1)", creatorIds = new[] { id } }, "url"),
            (new { url = "https://shop.example/", group = "Nobody" }, "group"),
            (new { url = "https://shop.example/", creatorIds = new[] { id }, platforms = new[] { "a b" } }, "platforms"),
        })
        {
            var (res, problem) = await SendAsync(HttpMethod.Post, "/api/v1/links/bulk", key, body);
            TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, "/api/v1/links", key)).Body.GetProperty("items").GetArrayLength());
    }
}
