using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Creators;

/// <summary>CSV import through the API, in both storage modes: a report per row, refused rows not saved, the rest saved.</summary>
public sealed class CreatorImportTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> ImportAsync(string key, string csv, string query = "", string type = "text/csv")
    {
        using var req = Server.Request(HttpMethod.Post, "/api/v1/creators/import" + query, key);
        req.Content = new StringContent(csv, Encoding.UTF8, type);
        // As curl does for large bodies: the server may refuse before the body is sent.
        req.Headers.ExpectContinue = csv.Length > 1024 * 1024;
        var res = await Server.Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>The workspace's creators by name (ids made in the same millisecond do not order by time).</summary>
    private async Task<List<JsonElement>> CreatorsAsync(string key) =>
        (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/creators?limit=100", key))).GetProperty("items").EnumerateArray()
            .OrderBy(c => c.GetProperty("name").GetString(), StringComparer.Ordinal).ToList();

    private const string Sheet = """
        Name,Email,Instagram,Instagram Followers,TikTok,tiktok_followers,categories,groups,status,currency,fee,notes
        Anna Kowalska,anna@example.com,@anna_fit,120k,,,fitness;nutrition,Spring 2027,active,PLN,1500,Met at FitExpo
        Kuba Nowak,kuba@example.com,kuba_runs,"45,000",https://www.tiktok.com/@kuba.runs,12.5k,running,Spring 2027|Runners,,,,
        Broken Row,not-an-email,anna fit,lots,,,,,famous,ABC,,
        Thief,kuba@example.com,ANNA_FIT,,,,,,,,,
        Ewa Zielińska,ewa@example.com,,,ewa.cooks,1.2M,food,,prospect,,,
        """;

    [Fact]
    public async Task Import_SavesGoodRows_ReportsEveryProblemByColumn_AndCreatesNamedGroups()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var (res, report) = await ImportAsync(key, Sheet);
        TestData.AssertStatus(HttpStatusCode.OK, res, report.ToString());
        Assert.Equal(5, report.GetProperty("rows").GetInt32());
        Assert.Equal(3, report.GetProperty("created").GetInt32());
        Assert.Equal(2, report.GetProperty("failed").GetInt32());
        Assert.False(report.GetProperty("dryRun").GetBoolean());
        Assert.Equal(["Spring 2027", "Runners"], report.GetProperty("groupsCreated").EnumerateArray().Select(g => g.GetString()));

        var rows = report.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal([2, 3, 4, 5, 6], rows.Select(r => r.GetProperty("row").GetInt32()));
        var broken = rows[2].GetProperty("errors").EnumerateArray().Select(e => e.GetString()!).ToList();
        Assert.Equal("failed", rows[2].GetProperty("outcome").GetString());
        foreach (var column in new[] { "email:", "instagram:", "instagram_followers:", "status:", "currency:" })
            Assert.Contains(broken, e => e.StartsWith(column, StringComparison.Ordinal));
        Assert.Contains("belongs to creator 'Anna Kowalska'", rows[3].GetProperty("errors")[0].GetString(), StringComparison.Ordinal);

        var creators = await CreatorsAsync(key);
        Assert.Equal(["Anna Kowalska", "Ewa Zielińska", "Kuba Nowak"], creators.Select(c => c.GetProperty("name").GetString()));
        var kuba = creators[2];
        Assert.Equal(45_000, kuba.GetProperty("handles")[0].GetProperty("followers").GetInt64());
        Assert.Equal("kuba.runs", kuba.GetProperty("handles")[1].GetProperty("handle").GetString());
        Assert.Equal(["Runners", "Spring 2027"], kuba.GetProperty("groups").EnumerateArray().Select(g => g.GetProperty("name").GetString()));
        Assert.Equal("mega", creators[1].GetProperty("tier").GetString());
        var anna = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, $"/api/v1/creators/{creators[0].GetProperty("id").GetGuid()}", key));
        Assert.Equal("Met at FitExpo", anna.GetProperty("notes")[0].GetProperty("text").GetString());
        Assert.Equal(1500m, anna.GetProperty("contract").GetProperty("fee").GetDecimal());
    }

    [Fact]
    public async Task ReImport_UpdatesByEmailOrHandle_InsteadOfDuplicating_AndDryRunSavesNothing()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        await ImportAsync(key, Sheet);
        const string again = """
            name,email,instagram,instagram_followers,youtube,status
            Anna K.,ANNA@example.com,anna_fit,130000,@annafit,paused
            Kuba Nowak,,kuba_runs,50000,,
            Nowa Osoba,nowa@example.com,nowa.osoba,900,,
            """;
        var (_, dry) = await ImportAsync(key, again, "?dryRun=true");
        Assert.True(dry.GetProperty("dryRun").GetBoolean());
        Assert.Equal(1, dry.GetProperty("created").GetInt32());
        Assert.Equal(2, dry.GetProperty("updated").GetInt32());
        Assert.Equal(3, (await CreatorsAsync(key)).Count);
        Assert.Equal("Anna Kowalska", (await CreatorsAsync(key))[0].GetProperty("name").GetString());

        var (res, report) = await ImportAsync(key, again);
        TestData.AssertStatus(HttpStatusCode.OK, res, report.ToString());
        Assert.Equal(2, report.GetProperty("updated").GetInt32());
        var creators = await CreatorsAsync(key);
        Assert.Equal(4, creators.Count);
        var anna = creators[0];
        Assert.Equal("Anna K.", anna.GetProperty("name").GetString());
        Assert.Equal("paused", anna.GetProperty("status").GetString());
        // An import adds handles and keeps the ones the file leaves out.
        Assert.Equal(["instagram", "youtube"], anna.GetProperty("handles").EnumerateArray().Select(h => h.GetProperty("platform").GetString()));
        Assert.Equal(130_000, anna.GetProperty("followers").GetInt64());
        Assert.Equal(50_000, creators.Single(c => c.GetProperty("name").GetString() == "Kuba Nowak").GetProperty("followers").GetInt64());
    }

    [Fact]
    public async Task PayoutColumns_NeedPayoutsManage_AndAreEncryptedLikeTheApi()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var marketer = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var admin = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        const string csv = """
            name,payout_method,payout_account,payout_holder
            Anna,bank_transfer,PL61 1090 1014 0000 0712 1981 2874,Anna Kowalska
            """;
        var (_, refused) = await ImportAsync(marketer, csv);
        Assert.Equal(1, refused.GetProperty("failed").GetInt32());
        Assert.StartsWith("payout_account:", refused.GetProperty("results")[0].GetProperty("errors")[0].GetString(), StringComparison.Ordinal);
        var (_, ok) = await ImportAsync(admin, csv);
        Assert.Equal(1, ok.GetProperty("created").GetInt32());
        Assert.Equal("••••2874", (await CreatorsAsync(admin))[0].GetProperty("payout").GetProperty("account").GetString());
        Assert.DoesNotContain("0712", ok.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("handle,followers\nanna,100\n", "csv.header")]
    [InlineData("name,instagram,fans\nAnna,anna\n", "csv.header")]
    [InlineData("name,name\nAnna,Anna\n", "csv.header")]
    [InlineData("", "csv")]
    public async Task ABadFile_Gets400_NamingItsHeader(string csv, string field)
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var (res, body) = await ImportAsync(key, csv);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task NotCsv_Gets415_AndTooLarge413_AndViewersAreRefused()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var viewer = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Analyst)).Key;
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, (await ImportAsync(key, "{\"name\":\"a\"}", type: "application/json")).Response.StatusCode);
        var big = "name\n" + string.Concat(Enumerable.Repeat(new string('a', 199) + "\n", 60_000));
        var (res, body) = await ImportAsync(key, big);
        TestData.AssertStatus(HttpStatusCode.RequestEntityTooLarge, res, body.ToString());
        Assert.Equal(HttpStatusCode.Forbidden, (await ImportAsync(viewer, "name\nAnna\n")).Response.StatusCode);
        Assert.Empty(await CreatorsAsync(key));
    }
}
