using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Collect.Tests.Events;

/// <summary>The live debugger's stream (<c>GET /api/v1/events/live</c>): what became of each arriving message.</summary>
public sealed class LiveDebuggerTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task Stream_ShowsEachMessagesFate_StoredDuplicateRejectedAndRefused()
    {
        var t = await fixture.TenantAsync(new { name = "Shop", allowedOrigins = new[] { "https://shop.example" } });
        await using var live = await LiveStream.OpenAsync(fixture.Server.Address, t.ApiKey);

        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u-1","event":"Live Check","messageId":"live-ok","properties":{"n":1}},
              {"type":"track","event":"No Identity","messageId":"live-bad"}
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u-1","event":"Live Check","messageId":"live-ok"}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        (res, _) = await t.IngestAsync("/v1/track", """{"anonymousId":"a","event":"From Elsewhere"}""", customize: r => r.Headers.Add("Origin", "https://evil.example"));
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);

        var entries = await live.UntilAsync(e => e.Count(x => x.GetProperty("status").GetString() is "stored" or "duplicate" or "rejected" or "refused") >= 4);
        var stored = Assert.Single(entries, e => e.GetProperty("status").GetString() == "stored");
        Assert.Equal("live-ok", stored.GetProperty("messageId").GetString());
        Assert.True(stored.GetProperty("seq").GetInt64() > 0);
        Assert.Equal(1, stored.GetProperty("message").GetProperty("properties").GetProperty("n").GetInt32());
        Assert.Equal(t.SourceId, stored.GetProperty("sourceId").GetGuid());
        Assert.False(string.IsNullOrEmpty(stored.GetProperty("node").GetString()));

        var duplicate = Assert.Single(entries, e => e.GetProperty("status").GetString() == "duplicate");
        Assert.Equal("live-ok", duplicate.GetProperty("messageId").GetString());
        Assert.Equal(JsonValueKind.Null, duplicate.GetProperty("seq").ValueKind);

        var rejected = Assert.Single(entries, e => e.GetProperty("status").GetString() == "rejected");
        Assert.Equal("live-bad", rejected.GetProperty("messageId").GetString());
        Assert.Contains("Id", rejected.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal("No Identity", rejected.GetProperty("message").GetProperty("event").GetString());

        var refused = Assert.Single(entries, e => e.GetProperty("status").GetString() == "refused");
        Assert.Contains("https://evil.example", refused.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(JsonValueKind.Null, refused.GetProperty("message").ValueKind);
    }

    [Fact]
    public async Task Stream_ShowsOnlyItsWorkspace_AndTheSourceAsked()
    {
        var t = await fixture.TenantAsync(new { name = "Web" });
        var other = await fixture.TenantAsync(new { name = "Web" });
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/sources", t.ApiKey, new { name = "App" });
        var app = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.Created, res, app.ToString());
        await using var live = await LiveStream.OpenAsync(fixture.Server.Address, t.ApiKey, "?source=Web");

        await other.IngestAsync("/v1/track", """{"userId":"u","event":"Other Workspace"}""");
        var appTenant = t with { WriteKey = app.GetProperty("writeKey").GetString()! };
        await appTenant.IngestAsync("/v1/track", """{"userId":"u","event":"Other Source"}""");
        await t.IngestAsync("/v1/track", """{"userId":"u","event":"Mine"}""");

        var entries = await live.UntilAsync(e => e.Any(x => x.GetProperty("event").GetString() == "Mine"));
        Assert.All(entries, e => Assert.Equal(t.SourceId, e.GetProperty("sourceId").GetGuid()));
        Assert.DoesNotContain(entries, e => e.GetProperty("event").GetString() is "Other Workspace" or "Other Source");
    }

    [Fact]
    public async Task Stream_SamplesABurst_AndCountsWhatItLeftOut()
    {
        var t = await fixture.TenantAsync();
        await using var live = await LiveStream.OpenAsync(fixture.Server.Address, t.ApiKey);
        var batch = string.Join(",", Enumerable.Range(0, 300).Select(i => $$"""{"type":"track","userId":"u{{i}}","event":"Burst"}"""));
        var (res, body) = await t.IngestAsync("/v1/batch", $$"""{"batch":[{{batch}}]}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());

        await live.UntilAsync(_ => live.Listed + live.Skipped >= 300);
        Assert.Equal(300, live.Listed + live.Skipped);
        Assert.InRange(live.Listed, 1, 50);
        Assert.All(live.Batches, b => Assert.InRange(b.GetProperty("entries").GetArrayLength(), 0, 50));
    }

    [Fact]
    public async Task Stream_IsRefusedToARoleThatMayNotReadEvents()
    {
        var t = await fixture.TenantAsync();
        var viewer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Viewer)).Key;
        var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events/live", viewer);
        Assert.Equal(HttpStatusCode.Forbidden, res.StatusCode);
        Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events/live?source=nope", t.ApiKey);
        Assert.Equal(HttpStatusCode.NotFound, res.StatusCode);
    }
}
