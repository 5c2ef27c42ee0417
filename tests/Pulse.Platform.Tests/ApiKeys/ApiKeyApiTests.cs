using System.Net;
using Microsoft.EntityFrameworkCore;
using Pulse.Platform.Access;

namespace Pulse.Platform.Tests.ApiKeys;

public sealed class ApiKeyApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer S => fixture.Server;

    [Fact]
    public async Task Key_ReadsItsWorkspace_AndStopsWorkingOnceRevoked()
    {
        var ws = await S.CreateWorkspaceAsync();
        var key = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);

        var ok = await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key.Key);
        TestData.AssertStatus(HttpStatusCode.OK, ok, await ok.Content.ReadAsStringAsync());
        Assert.Equal(ws.Name, (await TestServer.JsonAsync(ok)).GetProperty("name").GetString());

        var other = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin, "revoker");
        var revoke = await S.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{key.ApiKey.Id}", other.Key);
        TestData.AssertStatus(HttpStatusCode.OK, revoke, await revoke.Content.ReadAsStringAsync());

        var after = await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
        var problem = await TestServer.JsonAsync(after);
        Assert.Equal("https://pulse.invalid/problems/unauthorized", problem.GetProperty("type").GetString());
        Assert.Contains("revoked", problem.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task CreatedKey_IsShownOnce_AndStoredOnlyAsHash()
    {
        var ws = await S.CreateWorkspaceAsync();
        var admin = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);
        var created = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", admin.Key, new { name = "ci", role = "Viewer" });
        TestData.AssertStatus(HttpStatusCode.Created, created, await created.Content.ReadAsStringAsync());
        var body = await TestServer.JsonAsync(created);
        var secret = body.GetProperty("key").GetString()!;
        Assert.StartsWith("pk_live_", secret);
        var id = body.GetProperty("apiKey").GetProperty("id").GetString();

        var get = await TestServer.JsonAsync(await S.SendAsync(HttpMethod.Get, $"/api/v1/apikeys/{id}", admin.Key));
        Assert.False(get.TryGetProperty("key", out _));
        Assert.Equal(secret[..16], get.GetProperty("prefix").GetString());

        if (S.IsCluster)
        {
            // No row of any table of the database holds the key's text.
            var found = await S.SqlAsync("", $"""
                SELECT count(*) FROM (SELECT t::text AS row FROM api_keys t UNION ALL SELECT a::text FROM audit_entries a) x
                WHERE position('{secret}' in row) > 0
                """);
            Assert.Equal(0L, found);
        }
        else
        {
            var dbBytes = await File.ReadAllBytesAsync(Path.Combine(S.DataDir, "pulse.db"));
            var walPath = Path.Combine(S.DataDir, "pulse.db-wal");
            var wal = File.Exists(walPath) ? await ReadSharedAsync(walPath) : [];
            var needle = System.Text.Encoding.ASCII.GetBytes(secret);
            Assert.Equal(-1, dbBytes.AsSpan().IndexOf(needle));
            Assert.Equal(-1, wal.AsSpan().IndexOf(needle));
        }

        var works = await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", secret);
        Assert.Equal(HttpStatusCode.OK, works.StatusCode);
    }

    [Fact]
    public async Task KeyOfWorkspaceA_Gets404_ForEverythingOfWorkspaceB()
    {
        var a = await S.CreateWorkspaceAsync();
        var b = await S.CreateWorkspaceAsync();
        var keyA = await S.CreateKeyAsync(a.Id, WorkspaceRole.Owner);
        var keyB = await S.CreateKeyAsync(b.Id, WorkspaceRole.Owner);

        Assert.Equal(HttpStatusCode.NotFound, (await S.SendAsync(HttpMethod.Get, $"/api/v1/workspaces/{b.Id}", keyA.Key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await S.SendAsync(HttpMethod.Get, $"/api/v1/apikeys/{keyB.ApiKey.Id}", keyA.Key)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await S.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{keyB.ApiKey.Id}", keyA.Key)).StatusCode);
        var missing = await S.SendAsync(HttpMethod.Get, $"/api/v1/apikeys/{Guid.NewGuid()}", keyA.Key);
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        // B's key still works: A could not revoke it.
        Assert.Equal(HttpStatusCode.OK, (await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", keyB.Key)).StatusCode);
        var listA = await TestServer.JsonAsync(await S.SendAsync(HttpMethod.Get, "/api/v1/apikeys", keyA.Key));
        Assert.DoesNotContain(listA.GetProperty("items").EnumerateArray(), k => k.GetProperty("id").GetString() == keyB.ApiKey.Id.ToString());
    }

    [Fact]
    public async Task ViewerKey_CannotCreateOrRevokeKeys_AndNothingChanges()
    {
        var ws = await S.CreateWorkspaceAsync();
        var viewer = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer);
        var admin = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);

        var create = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", viewer.Key, new { name = "x", role = "Viewer" });
        Assert.Equal(HttpStatusCode.Forbidden, create.StatusCode);
        Assert.Equal("https://pulse.invalid/problems/forbidden", (await TestServer.JsonAsync(create)).GetProperty("type").GetString());
        var revoke = await S.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{admin.ApiKey.Id}", viewer.Key);
        Assert.Equal(HttpStatusCode.Forbidden, revoke.StatusCode);

        var list = await TestServer.JsonAsync(await S.SendAsync(HttpMethod.Get, "/api/v1/apikeys", viewer.Key));
        Assert.Equal(2, list.GetProperty("items").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", admin.Key)).StatusCode);
    }

    [Fact]
    public async Task AdminKey_CannotCreateOwnerKey()
    {
        var ws = await S.CreateWorkspaceAsync();
        var admin = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);
        var r = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", admin.Key, new { name = "escalate", role = "Owner" });
        Assert.Equal(HttpStatusCode.Forbidden, r.StatusCode);
    }

    [Fact]
    public async Task ExpiredKey_Gets401()
    {
        var ws = await S.CreateWorkspaceAsync();
        var admin = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);
        var past = await S.SendAsync(HttpMethod.Post, "/api/v1/apikeys", admin.Key, new { name = "old", role = "Viewer", expiresAt = "2020-01-01T00:00:00Z" });
        Assert.Equal(HttpStatusCode.BadRequest, past.StatusCode);
        Assert.True((await TestServer.JsonAsync(past)).GetProperty("errors").TryGetProperty("expiresAt", out _));

        // A key that expires while in use: write its expiry directly, as time passing would.
        var key = await S.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer, "short");
        await S.WithScopeAsync<Pulse.Platform.Storage.PulseDbContext, int>(db =>
            db.ApiKeys.Where(k => k.Id == key.ApiKey.Id).ExecuteUpdateAsync(s => s.SetProperty(k => k.ExpiresAt, DateTimeOffset.FromUnixTimeSeconds(1))));
        var r = await S.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key.Key);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
    }

    [Theory]
    [InlineData("Bearer pk_live_short")]
    [InlineData("Basic dXNlcjpwYXNz")]
    [InlineData("Bearer pk_live_0000000000000000000000000000000000000000")]
    public async Task MalformedOrUnknownKeys_Get401WithReason(string header)
    {
        var req = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workspaces/current");
        req.Headers.TryAddWithoutValidation("Authorization", header);
        var r = await S.Client.SendAsync(req);
        Assert.Equal(HttpStatusCode.Unauthorized, r.StatusCode);
        Assert.False(string.IsNullOrEmpty((await TestServer.JsonAsync(r)).GetProperty("detail").GetString()));
    }

    private static async Task<byte[]> ReadSharedAsync(string path)
    {
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var ms = new MemoryStream();
        await fs.CopyToAsync(ms);
        return ms.ToArray();
    }
}
