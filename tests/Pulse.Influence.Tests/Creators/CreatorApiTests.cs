using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Creators;

/// <summary>Creators through the API, in both storage modes: profiles, payout details encrypted and masked, groups, notes, filters and roles.</summary>
public sealed class CreatorApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private const string Iban = "PL61109010140000071219812874";
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, object? json = null)
    {
        var res = await Server.SendAsync(method, path, key, json);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(Guid Workspace, string Admin)> TenantAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        return (ws.Id, (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key);
    }

    private static object Anna => new
    {
        name = "Anna Kowalska",
        email = "Anna@Example.com",
        country = "pl",
        categories = new[] { "Fitness", "nutrition", "fitness" },
        handles = new object[]
        {
            new { platform = "instagram", handle = "https://www.instagram.com/anna_fit/", followers = 120_000 },
            new { platform = "tiktok", handle = "@Anna_Fit", followers = 8_000 },
        },
        contract = new { type = "hybrid", start = "2026-11-01", end = "2027-10-31", fee = 1500.00m, currency = "pln", terms = "2 reels a month" },
        payout = new { method = "bank_transfer", account = "PL61 1090 1014 0000 0712 1981 2874", holder = "Anna Kowalska" },
    };

    [Fact]
    public async Task Creator_IsAdded_WithTierFromItsLargestAudience_AndPayoutEncryptedAndMasked()
    {
        var (_, key) = await TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, Anna);
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/creators/{id}", res.Headers.Location?.OriginalString);
        Assert.Equal("anna@example.com", body.GetProperty("email").GetString());
        Assert.Equal("PL", body.GetProperty("country").GetString());
        Assert.Equal("active", body.GetProperty("status").GetString());
        Assert.Equal("mid", body.GetProperty("tier").GetString());
        Assert.Equal(120_000, body.GetProperty("followers").GetInt64());
        Assert.Equal(["fitness", "nutrition"], body.GetProperty("categories").EnumerateArray().Select(c => c.GetString()));
        var handles = body.GetProperty("handles").EnumerateArray().ToList();
        Assert.Equal(["instagram:anna_fit", "tiktok:anna_fit"], handles.Select(h => h.GetProperty("platform").GetString() + ":" + h.GetProperty("handle").GetString()));
        Assert.Equal("https://www.instagram.com/anna_fit/", handles[0].GetProperty("url").GetString());
        Assert.Equal("PLN", body.GetProperty("contract").GetProperty("currency").GetString());
        Assert.Equal("flat_fee", (await SendAsync(HttpMethod.Patch, $"/api/v1/creators/{id}", key, new { contract = new { type = "flat_fee" } })).Body.GetProperty("contract").GetProperty("type").GetString());
        Assert.Equal("bank_transfer", body.GetProperty("payout").GetProperty("method").GetString());
        Assert.Equal("••••2874", body.GetProperty("payout").GetProperty("account").GetString());

        var (_, got) = await SendAsync(HttpMethod.Get, $"/api/v1/creators/{id}", key);
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/creators", key);
        var (_, audit) = await SendAsync(HttpMethod.Get, "/api/v1/audit?action=creator.", key);
        Assert.Contains("creator.created", audit.ToString(), StringComparison.Ordinal);
        foreach (var text in new[] { body.ToString(), got.ToString(), list.ToString(), audit.ToString() })
            Assert.DoesNotContain("0712198128", text.Replace(" ", "", StringComparison.Ordinal), StringComparison.Ordinal);
        var stored = (string)(await Server.SqlAsync($"SELECT PayoutSecret FROM creators WHERE Id = '{id.ToString().ToUpperInvariant()}'",
            $"SELECT \"PayoutSecret\" FROM creators WHERE \"Id\" = '{id}'"))!;
        Assert.DoesNotContain(Iban, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("Kowalska", stored, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Roles_SeeAndChangeCreators_AsThePermissionTableSays()
    {
        var (ws, admin) = await TenantAsync();
        var marketer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Marketer)).Key;
        var analyst = (await Server.CreateKeyAsync(ws, WorkspaceRole.Analyst)).Key;
        var viewer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Viewer)).Key;
        var partner = (await Server.CreateKeyAsync(ws, WorkspaceRole.Partner)).Key;

        // A Marketer adds creators but may not point their payouts anywhere.
        var (payoutRes, payoutBody) = await SendAsync(HttpMethod.Post, "/api/v1/creators", marketer, Anna);
        TestData.AssertStatus(HttpStatusCode.Forbidden, payoutRes, payoutBody.ToString());
        Assert.Contains("PayoutsManage", payoutBody.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (created, c) = await SendAsync(HttpMethod.Post, "/api/v1/creators", marketer, new { name = "Kuba", handles = new[] { new { platform = "instagram", handle = "kuba_runs" } } });
        TestData.AssertStatus(HttpStatusCode.Created, created, c.ToString());
        var id = c.GetProperty("id").GetGuid();
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Patch, $"/api/v1/creators/{id}", marketer, new { payout = new { method = "paypal", account = "kuba@example.com" } })).Response.StatusCode);
        var (adminPatch, patched) = await SendAsync(HttpMethod.Patch, $"/api/v1/creators/{id}", admin, new { payout = new { method = "paypal", account = "kuba.runs@example.com" } });
        TestData.AssertStatus(HttpStatusCode.OK, adminPatch, patched.ToString());
        Assert.Equal("••••.com", patched.GetProperty("payout").GetProperty("account").GetString());

        Assert.Equal(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, "/api/v1/creators", analyst)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Post, "/api/v1/creators", analyst, new { name = "X" })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, $"/api/v1/creators/{id}", analyst)).Response.StatusCode);
        foreach (var key in new[] { viewer, partner })
        {
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v1/creators", key)).Response.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, $"/api/v1/creators/{id}", key)).Response.StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v1/creator-groups", key)).Response.StatusCode);
        }

        // Another workspace's creator does not exist for this one.
        var (_, other) = await TenantAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/creators/{id}", other)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Patch, $"/api/v1/creators/{id}", other, new { name = "Stolen" })).Response.StatusCode);
    }

    [Fact]
    public async Task AHandleOrEmail_BelongsToOneCreator_AndASecondClaimGets409NamingTheOwner()
    {
        var (_, key) = await TenantAsync();
        TestData.AssertStatus(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/creators", key, Anna)).Response);
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Copycat", handles = new[] { new { platform = "instagram", handle = "@ANNA_FIT" } } });
        TestData.AssertStatus(HttpStatusCode.Conflict, res, body.ToString());
        Assert.Contains("Anna Kowalska", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        var (res2, body2) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Copycat", email = "anna@example.com" });
        TestData.AssertStatus(HttpStatusCode.Conflict, res2, body2.ToString());
        Assert.Equal(1, (await SendAsync(HttpMethod.Get, "/api/v1/creators", key)).Body.GetProperty("items").GetArrayLength());
    }

    [Theory]
    [InlineData("""{"name":""}""", "name")]
    [InlineData("""{"name":"A","email":"not-an-email"}""", "email")]
    [InlineData("""{"name":"A","country":"XX"}""", "country")]
    [InlineData("""{"name":"A","status":"famous"}""", "status")]
    [InlineData("""{"name":"A","handles":[{"platform":"myspace","handle":"a"}]}""", "handles[0].platform")]
    [InlineData("""{"name":"A","handles":[{"platform":"instagram","handle":"anna fit"}]}""", "handles.instagram")]
    [InlineData("""{"name":"A","handles":[{"platform":"instagram","handle":"anna"},{"platform":"ig","handle":"anna2"}]}""", "handles.instagram")]
    [InlineData("""{"name":"A","handles":[{"platform":"tiktok","handle":"anna","followers":-3}]}""", "handles.tiktok.followers")]
    [InlineData("""{"name":"A","contract":{"fee":100,"currency":"ABC"}}""", "contract.currency")]
    [InlineData("""{"name":"A","contract":{"fee":-1,"currency":"PLN"}}""", "contract.fee")]
    [InlineData("""{"name":"A","contract":{"start":"2026-12-01","end":"2026-11-01"}}""", "contract.end")]
    [InlineData("""{"name":"A","contract":{"type":"barter"}}""", "contract.type")]
    [InlineData("""{"name":"A","payout":{"method":"bank_transfer","account":"PL61109010140000071219812875"}}""", "payout.account")]
    [InlineData("""{"name":"A","payout":{"method":"paypal","account":"nope"}}""", "payout.account")]
    [InlineData("""{"name":"A","payout":{"method":"cash","account":"x"}}""", "payout.method")]
    [InlineData("""{"name":"A","groups":["No such group"]}""", "groups")]
    [InlineData("""{"name":"A","fans":1000}""", "fans")]
    public async Task BadInput_Gets400_NamingTheField(string json, string field)
    {
        var (_, key) = await TenantAsync();
        using var req = Server.Request(HttpMethod.Post, "/api/v1/creators", key);
        req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var res = await Server.Client.SendAsync(req);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _) || body.ToString().Contains(field, StringComparison.Ordinal), body.ToString());
        // An account refused is never echoed back.
        Assert.DoesNotContain("071219812875", body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Lists_FilterByTierPlatformGroupCategoryAndSearch_AndCountTiers()
    {
        var (_, key) = await TenantAsync();
        var (gres, group) = await SendAsync(HttpMethod.Post, "/api/v1/creator-groups", key, new { name = "Runners", description = "Spring running campaign" });
        TestData.AssertStatus(HttpStatusCode.Created, gres, group.ToString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/v1/creator-groups", key, new { name = "runners" })).Response.StatusCode);
        await SendAsync(HttpMethod.Post, "/api/v1/creators", key, Anna);
        var (_, kuba) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new
        {
            name = "Kuba Nowak", categories = new[] { "running" }, groups = new[] { "Runners" },
            handles = new[] { new { platform = "youtube", handle = "@KubaRuns", followers = 45_000 } },
        });
        await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Ola", status = "prospect" });

        async Task<List<string>> Names(string query) =>
            (await SendAsync(HttpMethod.Get, "/api/v1/creators?" + query, key)).Body.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("name").GetString()!).ToList();
        Assert.Equal(["Kuba Nowak"], await Names("tier=micro"));
        Assert.Equal(["Anna Kowalska"], await Names("tier=mid"));
        Assert.Equal(["Ola"], await Names("tier=unknown"));
        Assert.Equal(["Anna Kowalska"], await Names("platform=tiktok"));
        Assert.Equal(["Kuba Nowak"], await Names("group=runners"));
        Assert.Equal(["Kuba Nowak"], await Names($"group={group.GetProperty("id").GetGuid()}"));
        Assert.Equal(["Kuba Nowak"], await Names("category=Running"));
        Assert.Equal(["Anna Kowalska"], await Names("q=ANNA_F"));
        Assert.Equal(["Ola"], await Names("status=prospect"));
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/v1/creators?tier=giant", key)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Get, "/api/v1/creators?group=nobody", key)).Response.StatusCode);

        var (_, tiers) = await SendAsync(HttpMethod.Get, "/api/v1/creators/tiers", key);
        Assert.Equal(1, tiers.GetProperty("micro").GetInt32());
        Assert.Equal(1, tiers.GetProperty("mid").GetInt32());
        Assert.Equal(1, tiers.GetProperty("unknown").GetInt32());
        Assert.Equal(0, tiers.GetProperty("mega").GetInt32());

        var (_, groups) = await SendAsync(HttpMethod.Get, "/api/v1/creator-groups", key);
        Assert.Equal(1, groups[0].GetProperty("creators").GetInt32());
        Assert.Equal("Runners", kuba.GetProperty("groups")[0].GetProperty("name").GetString());

        // Paging walks every creator once.
        var (_, first) = await SendAsync(HttpMethod.Get, "/api/v1/creators?limit=2", key);
        var next = first.GetProperty("nextCursor").GetString();
        var (_, second) = await SendAsync(HttpMethod.Get, $"/api/v1/creators?limit=2&cursor={next}", key);
        Assert.Equal(3, first.GetProperty("items").GetArrayLength() + second.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Update_ReplacesHandlesAndGroups_Notes_AreKept_AndDeleteRemovesEverything()
    {
        var (_, key) = await TenantAsync();
        await SendAsync(HttpMethod.Post, "/api/v1/creator-groups", key, new { name = "VIP" });
        var (_, anna) = await SendAsync(HttpMethod.Post, "/api/v1/creators", key, Anna);
        var id = anna.GetProperty("id").GetGuid();
        var (res, patched) = await SendAsync(HttpMethod.Patch, $"/api/v1/creators/{id}", key, new
        {
            status = "paused", groups = new[] { "vip" },
            handles = new[] { new { platform = "youtube", handle = "@AnnaFit", followers = 1_500_000 } },
        });
        TestData.AssertStatus(HttpStatusCode.OK, res, patched.ToString());
        Assert.Equal("paused", patched.GetProperty("status").GetString());
        Assert.Equal("mega", patched.GetProperty("tier").GetString());
        Assert.Equal(["youtube"], patched.GetProperty("handles").EnumerateArray().Select(h => h.GetProperty("platform").GetString()));
        Assert.Equal("VIP", patched.GetProperty("groups")[0].GetProperty("name").GetString());
        Assert.Equal("••••2874", patched.GetProperty("payout").GetProperty("account").GetString());
        // The freed Instagram handle may now go to someone else.
        TestData.AssertStatus(HttpStatusCode.Created, (await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "New Anna", handles = new[] { new { platform = "instagram", handle = "anna_fit" } } })).Response);

        var (noteRes, note) = await SendAsync(HttpMethod.Post, $"/api/v1/creators/{id}/notes", key, new { text = "Asked for a higher fee; revisit in Q1." });
        TestData.AssertStatus(HttpStatusCode.Created, noteRes, note.ToString());
        Assert.Equal(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"/api/v1/creators/{id}/notes", key, new { text = "  " })).Response.StatusCode);
        var (_, got) = await SendAsync(HttpMethod.Get, $"/api/v1/creators/{id}", key);
        Assert.Equal("Asked for a higher fee; revisit in Q1.", got.GetProperty("notes")[0].GetProperty("text").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await SendAsync(HttpMethod.Delete, $"/api/v1/creators/{id}", key)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, $"/api/v1/creators/{id}", key)).Response.StatusCode);
        Assert.Equal(0, (await SendAsync(HttpMethod.Get, "/api/v1/creator-groups", key)).Body[0].GetProperty("creators").GetInt32());
    }
}
