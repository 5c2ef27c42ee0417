using System.Net;
using System.Text;
using Pulse.Platform.Access;

namespace Pulse.Platform.Tests.Http;

public sealed class BadInputTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer S => fixture.Server;

    private async Task<(string Key, Guid Workspace)> AdminAsync()
    {
        var ws = await S.CreateWorkspaceAsync();
        return ((await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key, ws.Id);
    }

    private async Task<HttpResponseMessage> PostRawAsync(string path, string key, string body, string contentType = "application/json")
    {
        var req = S.Request(HttpMethod.Post, path, key);
        req.Content = new StringContent(body, Encoding.UTF8, contentType);
        return await S.Client.SendAsync(req);
    }

    private async Task<int> KeyCountAsync(string key) =>
        (await TestServer.JsonAsync(await S.SendAsync(HttpMethod.Get, "/api/v1/apikeys?limit=200", key))).GetProperty("items").GetArrayLength();

    [Fact]
    public async Task MalformedJson_Gets400Problem_AndCreatesNothing()
    {
        var (key, _) = await AdminAsync();
        var r = await PostRawAsync("/api/v1/apikeys", key, "{\"name\": \"x\", \"role\": ");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
        Assert.Equal(1, await KeyCountAsync(key));
    }

    [Fact]
    public async Task WrongType_Gets400_NamingTheField()
    {
        var (key, _) = await AdminAsync();
        var r = await PostRawAsync("/api/v1/apikeys", key, "{\"name\": \"x\", \"role\": 5}");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var problem = await TestServer.JsonAsync(r);
        Assert.True(problem.GetProperty("errors").TryGetProperty("role", out _), problem.ToString());
    }

    [Fact]
    public async Task UnknownField_Gets400_NamingTheField()
    {
        var (key, _) = await AdminAsync();
        var r = await PostRawAsync("/api/v1/apikeys", key, "{\"name\": \"x\", \"role\": \"Viewer\", \"isSuperuser\": true}");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("isSuperuser", (await r.Content.ReadAsStringAsync()));
        Assert.Equal(1, await KeyCountAsync(key));
    }

    [Fact]
    public async Task InvalidRole_Gets400_ListingTheRoles()
    {
        var (key, _) = await AdminAsync();
        var r = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", key, new { name = "x", role = "God" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        var errors = (await TestServer.JsonAsync(r)).GetProperty("errors");
        Assert.Contains("Viewer", errors.GetProperty("role")[0].GetString());
    }

    [Fact]
    public async Task MissingName_Gets400_NamingTheField()
    {
        var (key, _) = await AdminAsync();
        var r = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", key, new { role = "Viewer" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.True((await TestServer.JsonAsync(r)).GetProperty("errors").TryGetProperty("name", out _));
    }

    [Fact]
    public async Task OversizeBody_Gets413Problem()
    {
        var (key, _) = await AdminAsync();
        var huge = "{\"name\": \"" + new string('a', 2 * 1024 * 1024) + "\", \"role\": \"Viewer\"}";
        var r = await PostRawAsync("/api/v1/apikeys", key, huge);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, r.StatusCode);
        Assert.Equal("https://pulse.invalid/problems/payload-too-large", (await TestServer.JsonAsync(r)).GetProperty("type").GetString());
        Assert.Equal(1, await KeyCountAsync(key));
    }

    [Fact]
    public async Task WrongContentType_Gets415Problem()
    {
        var (key, _) = await AdminAsync();
        var r = await PostRawAsync("/api/v1/apikeys", key, "name=x", "application/x-www-form-urlencoded");
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("cursor=%21%21notbase64")]
    [InlineData("cursor=YXVkaXQ6MTI")]
    [InlineData("limit=0")]
    [InlineData("limit=100000")]
    [InlineData("limit=abc")]
    public async Task BadPaging_Gets400Problem(string query)
    {
        var (key, _) = await AdminAsync();
        var r = await S.SendAsync(HttpMethod.Get, "/api/v1/apikeys?" + query, key);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Paging_WalksEveryItemOnce()
    {
        var (key, ws) = await AdminAsync();
        for (var i = 0; i < 6; i++)
            await S.CreateKeyAsync(ws, WorkspaceRole.Viewer, "k" + i);
        var seen = new List<string>();
        string? cursor = null;
        var pages = 0;
        do
        {
            var page = await TestServer.JsonAsync(await S.SendAsync(HttpMethod.Get, "/api/v1/apikeys?limit=3" + (cursor is null ? "" : "&cursor=" + cursor), key));
            seen.AddRange(page.GetProperty("items").EnumerateArray().Select(k => k.GetProperty("id").GetString()!));
            cursor = page.GetProperty("nextCursor").GetString();
            pages++;
        } while (cursor is not null);
        Assert.Equal(7, seen.Count);
        Assert.Equal(7, seen.Distinct().Count());
        Assert.Equal(3, pages);
    }

    [Fact]
    public async Task UnknownRoute_Gets404Problem()
    {
        var (key, _) = await AdminAsync();
        var r = await S.SendAsync(HttpMethod.Get, "/api/v1/nothing-here", key);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Equal("application/problem+json", r.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task EveryResponse_CarriesSecurityHeaders()
    {
        var r = await S.Client.GetAsync("/account/login");
        Assert.Equal("nosniff", r.Headers.GetValues("X-Content-Type-Options").Single());
        Assert.Contains("frame-ancestors 'none'", r.Headers.GetValues("Content-Security-Policy").Single());
        Assert.False(r.Headers.Contains("Access-Control-Allow-Origin"));
        var preflight = new HttpRequestMessage(HttpMethod.Options, "/api/v1/workspaces/current");
        preflight.Headers.Add("Origin", "https://evil.example");
        preflight.Headers.Add("Access-Control-Request-Method", "GET");
        var p = await S.Client.SendAsync(preflight);
        Assert.False(p.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Observability_Endpoints_Answer()
    {
        Assert.Equal(HttpStatusCode.OK, (await S.Client.GetAsync("/healthz")).StatusCode);
        var ready = await S.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        await S.Client.GetAsync("/api/v1/workspaces/current");
        var metrics = await S.Client.GetStringAsync("/metrics");
        Assert.Contains("http_server_request_duration_seconds", metrics);
        Assert.Contains("dotnet_gc", metrics);
        var openapi = await TestServer.JsonAsync(await S.Client.GetAsync("/openapi/v1.json"));
        Assert.True(openapi.GetProperty("paths").TryGetProperty("/api/v1/apikeys", out _));
        Assert.Equal(HttpStatusCode.OK, (await S.Client.GetAsync("/scalar/v1")).StatusCode);
    }
}
