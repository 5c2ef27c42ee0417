using System.Net;
using Pulse.Collect.Profiles;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Sources;

public sealed class CollectSettingsTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task ConsentDefaultDeny_RefusesCategoriesThePersonNeverAnswered()
    {
        var t = await fixture.TenantAsync();
        var settings = await t.GetAsync("/api/v1/collect/settings");
        Assert.Equal("Allow", settings.GetProperty("consentDefault").GetString());
        Assert.Equal("Truncate", settings.GetProperty("ipMode").GetString());

        var res = await fixture.Server.SendAsync(HttpMethod.Patch, "/api/v1/collect/settings", t.ApiKey, new { consentDefault = "deny" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("Deny", body.GetProperty("consentDefault").GetString());

        await t.IngestAsync("/v1/track", """{"anonymousId":"c-1","event":"Viewed","context":{"consent":{"categoryPreferences":{"analytics":true}}}}""");
        await t.ProfilesCaughtUpAsync();
        var state = await fixture.Server.WithScopeAsync<ProfileService, ConsentState>(s => s.ConsentAsync(t.WorkspaceId, null, "c-1", default));
        Assert.True(state.Allows("analytics"));
        Assert.False(state.Allows("advertising"));
        var stranger = await fixture.Server.WithScopeAsync<ProfileService, ConsentState>(s => s.ConsentAsync(t.WorkspaceId, "never-seen", null, default));
        Assert.False(stranger.Allows("analytics"));
    }

    [Fact]
    public async Task IpModeDrop_StoresNoAddress_AndTheChangeIsAudited()
    {
        var t = await fixture.TenantAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Patch, "/api/v1/collect/settings", t.ApiKey, new { ipMode = "Drop" });
        TestData.AssertStatus(HttpStatusCode.OK, res);
        var (ingest, _) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"E","context":{"ip":"83.12.34.56"}}""");
        TestData.AssertStatus(HttpStatusCode.OK, ingest);
        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        Assert.Equal(System.Text.Json.JsonValueKind.Null, e.GetProperty("enrichment").GetProperty("ip").ValueKind);
        var audit = await t.GetAsync("/api/v1/audit?action=collect.");
        Assert.Contains("collect.settings_changed", audit.ToString());
    }

    [Fact]
    public async Task Settings_RefuseUnknownValues_AndViewersMayOnlyRead()
    {
        var t = await fixture.TenantAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Patch, "/api/v1/collect/settings", t.ApiKey, new { ipMode = "Scramble" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("ipMode", body.GetProperty("errors").ToString());
        res = await fixture.Server.SendAsync(HttpMethod.Patch, "/api/v1/collect/settings", t.ApiKey, new { consentDefault = "1" });
        TestData.AssertStatus(HttpStatusCode.BadRequest, res);

        var viewer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Viewer)).Key;
        TestData.AssertStatus(HttpStatusCode.OK, await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/collect/settings", viewer));
        TestData.AssertStatus(HttpStatusCode.Forbidden, await fixture.Server.SendAsync(HttpMethod.Patch, "/api/v1/collect/settings", viewer, new { ipMode = "Full" }));
    }
}
