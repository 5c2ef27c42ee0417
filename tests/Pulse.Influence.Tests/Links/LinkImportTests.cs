using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Links;

/// <summary>Moving from Bitly or Dub: their link exports become working tracked links with the same back-halves. Both storage modes.</summary>
public sealed class LinkImportTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpStatusCode Status, JsonElement Body)> ImportAsync(string key, string csv, string query = "", string type = "text/csv")
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/api/v1/links/import" + query) { Content = new StringContent(csv, Encoding.UTF8, type) };
        req.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using var res = await Server.Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res.StatusCode, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task ABitlyExport_BecomesLinksWithTheSameBackHalves_AndBadRowsAreReportedNotMade()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var creator = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna" }))).GetProperty("id").GetGuid();
        var tag = Guid.NewGuid().ToString("N")[..6];
        var csv = $"""
            Title,Bitly link,Long URL,Created,Tags
            Summer sale,bit.ly/Summer-{tag},https://shop.example/summer,2025-06-01,promo
            ,https://bit.ly/b{tag}XY,https://shop.example/?a=1,2025-06-02,
            Bad,bit.ly/bad{tag},javascript:alert(1),,
            Twice,bit.ly/summer-{tag},https://shop.example/x,,
            """;
        // A dry run makes nothing.
        var (status, dry) = await ImportAsync(key, csv, "?dryRun=true");
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Equal(["would_create", "would_create", "refused", "refused"], dry.GetProperty("rows").EnumerateArray().Select(r => r.GetProperty("outcome").GetString()));
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Client.GetAsync($"/l/summer-{tag}")).StatusCode);

        var (_, report) = await ImportAsync(key, csv, $"?creatorId={creator}&campaign=migrated");
        Assert.Equal(2, report.GetProperty("created").GetInt32());
        Assert.Equal(2, report.GetProperty("refused").GetInt32());
        var rows = report.GetProperty("rows").EnumerateArray().ToList();
        Assert.Contains("url", rows[2].GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        Assert.Contains("twice", rows[3].GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        Assert.Equal(["Created", "Tags"], report.GetProperty("ignored").EnumerateArray().Select(e => e.GetString()));

        var redirect = await Server.Client.GetAsync($"/l/summer-{tag}");
        Assert.Equal(HttpStatusCode.Found, redirect.StatusCode);
        Assert.StartsWith("https://shop.example/summer", redirect.Headers.Location!.ToString(), StringComparison.Ordinal);
        var link = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, $"/api/v1/links/{rows[1].GetProperty("linkId").GetGuid()}", key));
        Assert.Equal($"b{tag}xy", link.GetProperty("slug").GetString());
        Assert.Equal(creator, link.GetProperty("creatorId").GetGuid());
        Assert.Equal("migrated", link.GetProperty("campaign").GetString());

        // Importing again: every slug is now taken, and nothing is made twice.
        var (_, again) = await ImportAsync(key, csv);
        Assert.Equal(0, again.GetProperty("created").GetInt32());
        Assert.Contains("taken", again.GetProperty("rows")[0].GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ADubExport_IsReadToo_AndBadFilesAreRefusedWithTheReason()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var tag = Guid.NewGuid().ToString("N")[..6];
        var (_, report) = await ImportAsync(key, $"link,url,title,createdAt\ndub.sh/spring-{tag},https://shop.example/spring,Spring,2025-03-01T00:00:00.000Z\n");
        Assert.Equal(1, report.GetProperty("created").GetInt32());
        Assert.Equal(HttpStatusCode.Found, (await Server.Client.GetAsync($"/l/spring-{tag}")).StatusCode);

        var (status, problem) = await ImportAsync(key, "name,clicks\nx,3\n");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("destination", problem.ToString(), StringComparison.Ordinal);
        (status, _) = await ImportAsync(key, "{}", type: "application/json");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, status);
        (status, problem) = await ImportAsync(key, "url\nhttps://shop.example/\n", $"?creatorId={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Contains("creatorId", problem.ToString(), StringComparison.Ordinal);
        var analyst = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Analyst)).Key;
        (status, _) = await ImportAsync(analyst, "url\nhttps://shop.example/\n");
        Assert.Equal(HttpStatusCode.Forbidden, status);
    }
}
