using System.Net;
using Pulse.Collect.Quarantine;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Plans;

public sealed class QuarantineTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task ASingleRefusedCall_Answers400_AndIsStillKept()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u1","messageId":"m1","timestamp":"yesterday"}""");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        var q = Assert.Single((await t.QuarantineAsync()).EnumerateArray());
        Assert.Equal("invalid", q.GetProperty("kind").GetString());
        Assert.Equal("track", q.GetProperty("type").GetString());
        Assert.Equal("track", q.GetProperty("message").GetProperty("type").GetString());
        Assert.False(q.GetProperty("message").TryGetProperty("writeKey", out _));

        // Unknown write keys and bodies that are not JSON are not kept.
        (res, _) = await t.IngestAsync("/v1/track", "{not json");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res);
        Assert.Single((await t.QuarantineAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Omit_StripsNestedUnplannedProperties_AndPlansCoverPagesAndGroups()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("omit", """
            {"definitions":{
              "track":{"Cart Viewed":{"schema":{"properties":{"cart":{"type":"object","properties":{"id":{"type":"string"}}}}}}},
              "page":{"Home":{"schema":{"properties":{"title":{"type":"string"}}}}},
              "group":{"schema":{"properties":{"name":{"type":"string"}}},"required":["name"]}
            }}
            """);
        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u1","event":"Cart Viewed","messageId":"t","properties":{"cart":{"id":"c1","internal":"x"}}},
              {"type":"page","userId":"u1","name":"Home","messageId":"p","properties":{"title":"Hi","debug":true}},
              {"type":"page","userId":"u1","name":"Elsewhere","messageId":"p2","properties":{"anything":1}},
              {"type":"group","userId":"u1","groupId":"g1","messageId":"g","traits":{"size":3}}
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var events = (await t.EventsAsync()).EnumerateArray().ToDictionary(e => e.GetProperty("messageId").GetString()!);

        var cart = events["t"].GetProperty("message").GetProperty("properties").GetProperty("cart");
        Assert.Equal("c1", cart.GetProperty("id").GetString());
        Assert.False(cart.TryGetProperty("internal", out _));
        Assert.Equal("$.properties.cart.internal", events["t"].GetProperty("violations")[0].GetProperty("path").GetString());

        Assert.False(events["p"].GetProperty("message").GetProperty("properties").TryGetProperty("debug", out _));
        Assert.Equal(System.Text.Json.JsonValueKind.Null, events["p2"].GetProperty("violations").ValueKind);
        Assert.Equal(1, events["p2"].GetProperty("message").GetProperty("properties").GetProperty("anything").GetInt32());

        var group = PlanTestKit.TypesOf(events["g"].GetProperty("violations"));
        Assert.Contains(Collect.Plans.ViolationTypes.MissingRequired, group);
        Assert.Contains(Collect.Plans.ViolationTypes.AdditionalProperty, group);
    }

    [Fact]
    public async Task PlanChangesAndReplays_AreAudited_AndOtherWorkspacesSeeNothing()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        await t.IngestAsync("/v1/track", """{"userId":"u1","event":"Nope","messageId":"m1"}""");
        var id = (await t.QuarantineAsync())[0].GetProperty("id").GetGuid();
        await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"id":"{{id}}"}""");
        await t.OkAsync(HttpMethod.Put, $"/api/v1/sources/{t.SourceId}/tracking-plan", """{"mode":"allow"}""");

        var audit = (await t.OkAsync(HttpMethod.Get, "/api/v1/audit?limit=200")).GetProperty("items").EnumerateArray()
            .Select(a => a.GetProperty("action").GetString()).ToHashSet();
        Assert.Contains("tracking_plan.created", audit);
        Assert.Contains("tracking_plan.changed", audit);
        Assert.Contains("tracking_plan.version_published", audit);
        Assert.Contains("quarantine.replayed", audit);

        var other = await fixture.TenantAsync();
        Assert.Equal(HttpStatusCode.NotFound, (await other.CallAsync(HttpMethod.Get, $"/api/v1/quarantine/{id}")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.CallAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"id":"{{id}}"}""")).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await other.CallAsync(HttpMethod.Get, $"/api/v1/sources/{t.SourceId}/tracking-plan")).Response.StatusCode);
        Assert.Equal(0, (await other.OkAsync(HttpMethod.Get, "/api/v1/quarantine")).GetProperty("items").GetArrayLength());
        var (res, problem) = await t.CallAsync(HttpMethod.Post, "/api/v1/quarantine/replay", "{}");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
    }

    [Fact]
    public async Task ConcurrentBlockedBatches_AreAllKept_AndAllAnswered200()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        var requests = Enumerable.Range(0, 16).Select(r => t.IngestAsync("/v1/batch",
            "{\"batch\":[" + string.Join(",", Enumerable.Range(0, 25).Select(i => $$"""{"type":"track","userId":"u{{i}}","event":"Nope","messageId":"r{{r}}-{{i}}"}""")) + "]}"));
        foreach (var (res, body) in await Task.WhenAll(requests))
        {
            TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
            Assert.Equal(25, body.GetProperty("quarantined").GetInt32());
        }
        var counted = 0;
        string? cursor = null;
        do
        {
            var page = await t.OkAsync(HttpMethod.Get, $"/api/v1/quarantine?source={t.SourceId}&limit=200" + (cursor is null ? "" : "&cursor=" + cursor));
            counted += page.GetProperty("items").GetArrayLength();
            cursor = page.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        Assert.Equal(400, counted);
    }

    [Theory]
    [InlineData("GET", "/api/v1/quarantine?cursor=garbage", null)]
    [InlineData("GET", "/api/v1/quarantine?status=lost", null)]
    [InlineData("GET", "/api/v1/quarantine?kind=odd", null)]
    [InlineData("POST", "/api/v1/quarantine/replay", """{"id":"not-a-guid"}""")]
    [InlineData("POST", "/api/v1/quarantine/replay", """{"source":"Web","kind":"odd"}""")]
    [InlineData("POST", "/api/v1/quarantine/replay", "[]")]
    [InlineData("PUT", "/api/v1/sources/Web/tracking-plan", """{"mode":5}""")]
    [InlineData("PUT", "/api/v1/sources/Web/tracking-plan", """{"allowUnplannedEvents":"yes"}""")]
    [InlineData("GET", "/api/v1/sources/Web/tracking-plan/versions/one", null)]
    [InlineData("GET", "/api/v1/sources/Web/tracking-plan/violations?from=2026-02-01&to=2026-01-01", null)]
    [InlineData("POST", "/api/v1/sources/Web/tracking-plan/versions", """{"definitions":{"track":{"A":{"schema":{"required":"x"}}}}}""")]
    [InlineData("POST", "/api/v1/sources/Web/tracking-plan/versions", """{"definitions":{"track":{"A":{"required":[""]}}}}""")]
    [InlineData("POST", "/api/v1/sources/Web/tracking-plan/versions", """{"definitions":{"track":{}},"version":"2-0-0","bump":"model"}""")]
    public async Task BadInput_IsA400Problem_NeverA500(string method, string path, string? body)
    {
        var t = await fixture.TenantAsync();
        var (res, problem) = await t.CallAsync(new HttpMethod(method), path, body);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
        Assert.Equal("https://pulse.invalid/problems/validation", problem.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ErasureAndExport_FindQuarantinedMessages_ByUserAndAnonymousIds()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"alice","event":"Nope"},
              {"type":"track","anonymousId":"anon-a","event":"Nope"},
              {"type":"track","userId":"bob","event":"Nope"}
            ]}
            """);
        var exported = await fixture.Server.WithScopeAsync<QuarantineService, IReadOnlyList<QuarantineDto>>(q => q.ExportAsync(t.WorkspaceId, ["alice"], ["anon-a"], default));
        Assert.Equal(2, exported.Count);
        var other = await fixture.TenantAsync();
        Assert.Empty(await fixture.Server.WithScopeAsync<QuarantineService, IReadOnlyList<QuarantineDto>>(q => q.ExportAsync(other.WorkspaceId, ["alice"], ["anon-a"], default)));

        var erased = await fixture.Server.WithScopeAsync<QuarantineService, int>(q => q.EraseAsync(t.WorkspaceId, ["alice"], ["anon-a"], default));
        Assert.Equal(2, erased);
        var left = Assert.Single((await t.QuarantineAsync()).EnumerateArray());
        Assert.Equal("bob", left.GetProperty("userId").GetString());
    }
}
