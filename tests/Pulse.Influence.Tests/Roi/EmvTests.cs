using System.Globalization;
using System.Net;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Roi;

/// <summary>EMV: creators' recorded posts valued at the configured CPM and CPE, per creator and platform in the ROI report. Both storage modes.</summary>
public sealed class EmvTests
{
    [Fact]
    public async Task PostsInTheRange_AreValuedAtTheConfiguredCpmAndCpe()
    {
        await using var server = await TestServer.StartAsync(new() { ["Emv:Cpm"] = "20", ["Emv:Cpe"] = "0.5", ["Emv:Currency"] = "PLN" });
        var ws = await server.CreateWorkspaceAsync();
        var key = (await server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        async Task<(HttpStatusCode, JsonElement)> Send(HttpMethod m, string path, object? body)
        {
            var res = await server.SendAsync(m, path, key, body);
            var text = await res.Content.ReadAsStringAsync();
            return (res.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
        }
        var (_, created) = await Send(HttpMethod.Post, "/api/v1/creators", new { name = "Anna", handles = new[] { new { platform = "instagram", handle = "anna_fit", followers = 48000 } } });
        var anna = created.GetProperty("id").GetGuid();
        string Ago(int days) => TimeProvider.System.GetUtcNow().AddDays(-days).ToString("O", CultureInfo.InvariantCulture);
        // 50,000 impressions at 20 per 1,000 and 2,000 engagements at 0.5: 2,000 PLN; a post from before the range does not count.
        var (status, post) = await Send(HttpMethod.Post, $"/api/v1/creators/{anna}/posts", new { url = "https://www.instagram.com/p/Cx1/", postedAt = Ago(3), impressions = 50_000, engagements = 2_000 });
        Assert.Equal(HttpStatusCode.Created, status);
        Assert.Equal("instagram", post.GetProperty("platform").GetString());
        Assert.Equal(2000m, post.GetProperty("emv").GetDecimal());
        await Send(HttpMethod.Post, $"/api/v1/creators/{anna}/posts", new { url = "https://www.tiktok.com/@anna_fit/video/1", platform = "tiktok", postedAt = Ago(5), engagements = 100 });
        await Send(HttpMethod.Post, $"/api/v1/creators/{anna}/posts", new { url = "https://www.instagram.com/p/Old/", postedAt = Ago(60), impressions = 1_000_000 });

        var (_, roi) = await Send(HttpMethod.Get, "/api/v1/roi?level=creator&models=last_click", null);
        var row = roi.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("label").GetString() == "Anna");
        Assert.Equal(2050m, row.GetProperty("emv").GetDecimal());
        Assert.Equal(2, row.GetProperty("posts").GetInt32());
        var (_, byPlatform) = await Send(HttpMethod.Get, "/api/v1/roi?level=channel&models=last_click", null);
        var platforms = byPlatform.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("key").GetString()!, r => r.GetProperty("emv").GetDecimal());
        Assert.Equal(2000m, platforms["instagram"]);
        Assert.Equal(50m, platforms["tiktok"]);

        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { url = "javascript:alert(1)", postedAt = Ago(1) }, "url"),
                     (new { url = "https://x.example/p", postedAt = Ago(-30) }, "postedAt"),
                     (new { url = "https://x.example/p", postedAt = Ago(1), impressions = -5 }, "impressions"),
                     (new { url = "https://x.example/p", postedAt = Ago(1), platform = "myspace" }, "platform"),
                 })
        {
            var (bad, problem) = await Send(HttpMethod.Post, $"/api/v1/creators/{anna}/posts", body);
            Assert.Equal(HttpStatusCode.BadRequest, bad);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
        var (listed, posts) = await Send(HttpMethod.Get, $"/api/v1/creators/{anna}/posts", null);
        Assert.Equal(HttpStatusCode.OK, listed);
        Assert.Equal(3, posts.GetArrayLength());
    }
}
