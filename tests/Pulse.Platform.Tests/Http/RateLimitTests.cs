using System.Net;
using Pulse.Platform.Access;

namespace Pulse.Platform.Tests.Http;

public sealed class RateLimitTests
{
    [Fact]
    public async Task ApiClient_OverItsLimit_Gets429WithRetryAfter()
    {
        await using var s = await TestServer.StartAsync(new() { ["Security:ApiRequestsPerSecond"] = "1", ["Security:ApiBurst"] = "3" });
        var ws = await s.CreateWorkspaceAsync();
        var key = (await s.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer)).Key;
        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? limited = null;
        for (var i = 0; i < 8; i++)
        {
            var r = await s.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key);
            statuses.Add(r.StatusCode);
            if (r.StatusCode == HttpStatusCode.TooManyRequests)
                limited ??= r;
        }
        Assert.Contains(HttpStatusCode.OK, statuses);
        Assert.NotNull(limited);
        Assert.True(int.Parse(limited.Headers.GetValues("Retry-After").Single(), System.Globalization.CultureInfo.InvariantCulture) >= 1);
        Assert.Equal("https://pulse.invalid/problems/too-many-requests", (await TestServer.JsonAsync(limited)).GetProperty("type").GetString());
    }
}
