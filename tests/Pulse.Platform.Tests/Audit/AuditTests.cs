using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;

namespace Pulse.Platform.Tests.Audit;

public sealed class AuditTests
{
    [Fact]
    public async Task KeyLifecycle_ShowsInAuditApi_WithActorAndIp()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var admin = await s.CreateKeyAsync(ws.Id, WorkspaceRole.Admin, "automation");
        var created = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Post, "/api/v1/apikeys", admin.Key, new { name = "temp", role = "Viewer" }));
        var id = created.GetProperty("apiKey").GetProperty("id").GetString();
        await s.SendAsync(HttpMethod.Delete, $"/api/v1/apikeys/{id}", admin.Key);

        var page = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/audit?action=apikey.", admin.Key));
        var items = page.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(["apikey.revoked", "apikey.created", "apikey.created"], items.Select(i => i.GetProperty("action").GetString()!).ToArray());
        Assert.All(items.Take(2), i => Assert.Equal("127.0.0.1", i.GetProperty("ip").GetString()));
        Assert.Contains("automation", items[0].GetProperty("actorName").GetString());
        Assert.Contains("\"revoked\":true", items[0].GetProperty("after").GetString());
        Assert.Equal(id, items[0].GetProperty("targetId").GetString());
    }

    [Fact]
    public async Task AuditOfOtherWorkspace_IsNotVisible_AndViewerIsRefused()
    {
        await using var s = await TestServer.StartAsync();
        var a = await s.CreateWorkspaceAsync();
        var b = await s.CreateWorkspaceAsync();
        var keyA = await s.CreateKeyAsync(a.Id, WorkspaceRole.Owner);
        await s.CreateKeyAsync(b.Id, WorkspaceRole.Owner, "b-only-key");
        var page = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/audit?limit=200", keyA.Key));
        Assert.DoesNotContain(page.GetProperty("items").EnumerateArray(), i => (i.GetProperty("after").GetString() ?? "").Contains("b-only-key"));
        var viewer = await s.CreateKeyAsync(a.Id, WorkspaceRole.Viewer);
        Assert.Equal(HttpStatusCode.Forbidden, (await s.SendAsync(HttpMethod.Get, "/api/v1/audit", viewer.Key)).StatusCode);
    }

    [Fact]
    public async Task Export_IsAudited_AndIsCsv()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var admin = await s.CreateKeyAsync(ws.Id, WorkspaceRole.Admin);
        var csv = await s.SendAsync(HttpMethod.Get, "/api/v1/audit/export", admin.Key);
        Assert.Equal("text/csv", csv.Content.Headers.ContentType?.MediaType);
        var text = await csv.Content.ReadAsStringAsync();
        Assert.StartsWith("id,occurred_at,", text);
        Assert.Contains("apikey.created", text);
        var page = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/audit?action=audit.exported", admin.Key));
        Assert.Equal(1, page.GetProperty("items").GetArrayLength());
    }

    [Fact]
    public async Task Verify_IsIntact_ThenNamesTheEntryEditedByHand()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        for (var i = 0; i < 5; i++)
            await s.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer, "k" + i);
        Assert.True((await VerifyAsync(s)).Intact);

        var refused = await Assert.ThrowsAnyAsync<System.Data.Common.DbException>(() => s.SqlAsync(
            "UPDATE audit_entries SET ActorName = 'someone else' WHERE Id = 4",
            "UPDATE audit_entries SET \"ActorName\" = 'someone else' WHERE \"Id\" = 4"));
        Assert.Contains("append-only", refused.Message);

        // An attacker with access to the database removes the guard first.
        await s.SqlAsync(
            "DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET ActorName = 'someone else' WHERE Id = 4;",
            "DROP TRIGGER audit_entries_no_change ON audit_entries; UPDATE audit_entries SET \"ActorName\" = 'someone else' WHERE \"Id\" = 4;");
        var result = await VerifyAsync(s);
        Assert.False(result.Intact);
        Assert.Equal(4, result.FirstBadEntryId);
        Assert.Equal(3, result.EntriesChecked);
    }

    [Fact]
    public async Task Verify_DetectsADeletedEntry()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        for (var i = 0; i < 4; i++)
            await s.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer, "k" + i);
        await s.SqlAsync(
            "DROP TRIGGER audit_entries_no_delete; DELETE FROM audit_entries WHERE Id = 3;",
            "DROP TRIGGER audit_entries_no_change ON audit_entries; DELETE FROM audit_entries WHERE \"Id\" = 3;");
        var result = await VerifyAsync(s);
        Assert.Equal(3, result.FirstBadEntryId);
        Assert.Contains("missing", result.Problem);
    }

    private static async Task<AuditVerification> VerifyAsync(TestServer s)
    {
        await using var scope = s.App.Services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<AuditVerifier>().VerifyAsync(null, default);
    }
}
