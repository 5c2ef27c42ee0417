using System.Net;
using System.Text.Json;
using Pulse.Collect.Plans;
using V = Pulse.Collect.Plans.ViolationTypes;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Plans;

public sealed class TrackingPlanTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task Allow_StoresEvents_WithTypedViolationsAndThePlanVersion()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("allow");
        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u1","event":"Order Completed","messageId":"ok","properties":{"revenue":10,"currency":"PLN","orderId":"o1"}},
              {"type":"track","userId":"u1","event":"Order Completed","messageId":"bad","properties":{"revenue":"10","currency":"pln","tier":"bronze","coupon":"X"}},
              {"type":"track","userId":"u1","event":"Mystery Event","messageId":"unplanned"},
              {"type":"identify","userId":"u1","messageId":"id","traits":{"email":42}}
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal(4, body.GetProperty("accepted").GetInt32());

        var events = (await t.EventsAsync()).EnumerateArray().ToDictionary(e => e.GetProperty("messageId").GetString()!);
        Assert.Equal(4, events.Count);
        Assert.All(events.Values, e => Assert.Equal("1-0-0", e.GetProperty("planVersion").GetString()));
        Assert.Equal(JsonValueKind.Null, events["ok"].GetProperty("violations").ValueKind);

        var bad = events["bad"].GetProperty("violations");
        Assert.Equal(
            new HashSet<string> { V.TypeMismatch, V.Pattern, V.Enum, V.AdditionalProperty, V.MissingRequired },
            PlanTestKit.TypesOf(bad));
        var paths = bad.EnumerateArray().ToDictionary(v => v.GetProperty("type").GetString()!, v => v.GetProperty("path").GetString());
        Assert.Equal("$.properties.revenue", paths[V.TypeMismatch]);
        Assert.Equal("$.properties.currency", paths[V.Pattern]);
        Assert.Equal("$.properties.coupon", paths[V.AdditionalProperty]);
        Assert.Equal("$.properties.orderId", paths[V.MissingRequired]);
        // allow keeps the message as sent
        Assert.Equal("X", events["bad"].GetProperty("message").GetProperty("properties").GetProperty("coupon").GetString());

        var unplanned = Assert.Single(events["unplanned"].GetProperty("violations").EnumerateArray());
        Assert.Equal(V.UnplannedEvent, unplanned.GetProperty("type").GetString());
        Assert.Equal("$.event", unplanned.GetProperty("path").GetString());
        Assert.Equal(V.TypeMismatch, events["id"].GetProperty("violations")[0].GetProperty("type").GetString());
        Assert.Equal("$.traits.email", events["id"].GetProperty("violations")[0].GetProperty("path").GetString());
    }

    [Fact]
    public async Task ACatastrophicPattern_CountsAsNotMatching_InsteadOfStallingIngest()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("allow", """{"definitions":{"track":{"Signed Up":{"schema":{"properties":{"code":{"type":"string","pattern":"^(a+)+$"}}}}}}}""");
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u1","event":"Signed Up","properties":{"code":"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!"}}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        Assert.True(PlanTestKit.TypesOf(e.GetProperty("violations")).Contains("pattern"), e.GetProperty("violations").ToString());
    }

    [Fact]
    public async Task UnplannedEvents_PassWithoutViolation_WhenThePlanAllowsThem()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block", allowUnplanned: true);
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u1","event":"Anything","properties":{"x":1}}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        Assert.Equal(JsonValueKind.Null, e.GetProperty("violations").ValueKind);
    }

    [Fact]
    public async Task Omit_StripsUnplannedProperties_AndRecordsThem()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("omit");
        var (res, body) = await t.IngestAsync("/v1/track", """
            {"userId":"u1","event":"Order Completed","messageId":"m","properties":{"revenue":5,"orderId":"o","coupon":"X","secret":"s"}}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        var props = e.GetProperty("message").GetProperty("properties");
        Assert.Equal(5, props.GetProperty("revenue").GetInt32());
        Assert.Equal("o", props.GetProperty("orderId").GetString());
        Assert.False(props.TryGetProperty("coupon", out _));
        Assert.False(props.TryGetProperty("secret", out _));
        var violations = e.GetProperty("violations");
        Assert.Equal(2, violations.GetArrayLength());
        Assert.Equal(new HashSet<string> { V.AdditionalProperty }, PlanTestKit.TypesOf(violations));
    }

    [Fact]
    public async Task Block_QuarantinesTheEvent_AndStillAnswers200CountingIt()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u1","event":"Order Completed","messageId":"good","properties":{"orderId":"o1"}},
              {"type":"track","userId":"u1","event":"Order Completed","messageId":"blocked","properties":{"revenue":"ten","orderId":"o2"}}
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        Assert.Equal(1, body.GetProperty("quarantined").GetInt32());

        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        Assert.Equal("good", e.GetProperty("messageId").GetString());
        var q = Assert.Single((await t.QuarantineAsync()).EnumerateArray());
        Assert.Equal("blocked", q.GetProperty("kind").GetString());
        Assert.Equal("pending", q.GetProperty("status").GetString());
        Assert.Equal("blocked", q.GetProperty("messageId").GetString());
        Assert.Equal("u1", q.GetProperty("userId").GetString());
        Assert.Equal("1-0-0", q.GetProperty("planVersion").GetString());
        Assert.Equal(V.TypeMismatch, q.GetProperty("reason")[0].GetProperty("type").GetString());
        Assert.Equal("ten", q.GetProperty("message").GetProperty("properties").GetProperty("revenue").GetString());

        // A retried request is not kept twice.
        (res, _) = await t.IngestAsync("/v1/batch", """{"batch":[{"type":"track","userId":"u1","event":"Order Completed","messageId":"blocked","properties":{"revenue":"ten","orderId":"o2"}}]}""");
        TestData.AssertStatus(HttpStatusCode.OK, res);
        Assert.Single((await t.QuarantineAsync()).EnumerateArray());
    }

    [Fact]
    public async Task Replay_AfterThePlanIsFixed_PutsTheEventInTheLogOnce()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        var (res, _) = await t.IngestAsync("/v1/track", """{"userId":"u1","event":"Order Completed","messageId":"m1","properties":{"revenue":"ten","orderId":"o"}}""");
        TestData.AssertStatus(HttpStatusCode.OK, res);
        (res, _) = await t.IngestAsync("/v1/track", """{"userId":"u2","event":"Signup","messageId":"m2"}""");
        TestData.AssertStatus(HttpStatusCode.OK, res);
        Assert.Equal(2, (await t.QuarantineAsync("&status=pending")).GetArrayLength());

        // Still failing: the reason is kept, nothing enters the log.
        var result = await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"source":"{{t.SourceId}}"}""");
        Assert.Equal(0, result.GetProperty("replayed").GetInt32());
        Assert.Equal(2, result.GetProperty("stillFailing").GetInt32());
        Assert.Equal(0, (await t.EventsAsync()).GetArrayLength());

        // The fix: revenue may be a string, and Signup is planned.
        var fixedPlan = """
            {"definitions":{"track":{
              "Order Completed":{"schema":{"properties":{"revenue":{"type":["number","string"]},"orderId":{"type":"string"}}},"required":["orderId"]},
              "Signup":{}}}}
            """;
        await t.PlanAsync("block", fixedPlan, bump: "revision");
        var id = (await t.QuarantineAsync("&event=Order%20Completed"))[0].GetProperty("id").GetGuid();
        result = await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"id":"{{id}}"}""");
        Assert.Equal(1, result.GetProperty("replayed").GetInt32());
        result = await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"source":"Web"}""");
        Assert.Equal(1, result.GetProperty("replayed").GetInt32());
        Assert.Equal(0, result.GetProperty("stillFailing").GetInt32());

        var events = (await t.EventsAsync()).EnumerateArray().ToList();
        Assert.Equal(2, events.Count);
        var order = events.Single(e => e.GetProperty("messageId").GetString() == "m1");
        Assert.Equal("1-1-0", order.GetProperty("planVersion").GetString());
        Assert.Equal("ten", order.GetProperty("message").GetProperty("properties").GetProperty("revenue").GetString());
        Assert.Equal(0, (await t.QuarantineAsync("&status=pending")).GetArrayLength());
        Assert.Equal(2, (await t.QuarantineAsync("&status=replayed")).GetArrayLength());

        // Replaying again stores nothing twice.
        result = await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"source":"Web"}""");
        Assert.Equal(0, result.GetProperty("replayed").GetInt32());
        Assert.Equal(2, (await t.EventsAsync()).GetArrayLength());
    }

    [Fact]
    public async Task RefusedMessagesOfABatch_AreKeptInQuarantine_WithTheReason()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u1","event":"Fine"},
              {"type":"track","userId":"u1","messageId":"no-event"},
              "not an object"
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal(2, body.GetProperty("rejected").GetArrayLength());
        var q = Assert.Single((await t.QuarantineAsync()).EnumerateArray());
        Assert.Equal("invalid", q.GetProperty("kind").GetString());
        Assert.Equal("no-event", q.GetProperty("messageId").GetString());
        Assert.Contains("event", q.GetProperty("reason")[0].GetProperty("message").GetString());

        // A replay checks it again and keeps it: the message itself is wrong.
        var result = await t.OkAsync(HttpMethod.Post, "/api/v1/quarantine/replay", $$"""{"source":"{{t.SourceId}}","kind":"invalid"}""");
        Assert.Equal(1, result.GetProperty("stillFailing").GetInt32());

        await t.OkAsync(HttpMethod.Delete, $"/api/v1/quarantine/{q.GetProperty("id").GetGuid()}", expected: HttpStatusCode.NoContent);
        Assert.Equal(0, (await t.QuarantineAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Versions_FollowSchemaVer_AndMustIncrease()
    {
        var t = await fixture.TenantAsync();
        var path = $"/api/v1/sources/{t.SourceId}/tracking-plan/versions";
        const string defs = "\"definitions\":{\"track\":{\"A\":{}}}";
        var v = await t.OkAsync(HttpMethod.Post, path, "{" + defs + "}", HttpStatusCode.Created);
        Assert.Equal("1-0-0", v.GetProperty("version").GetString());

        foreach (var (body, field) in new[]
        {
            ("{" + defs + ",\"version\":\"1-0-0\"}", "version"),
            ("{" + defs + ",\"version\":\"1-0-01\"}", "version"),
            ("{" + defs + ",\"version\":\"0-1-0\"}", "version"),
            ("{" + defs + ",\"version\":\"1.0.1\"}", "version"),
            ("{" + defs + ",\"bump\":\"major\"}", "bump"),
            ("{" + defs + "}", "bump"),
        })
        {
            var (res, problem) = await t.CallAsync(HttpMethod.Post, path, body);
            TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }

        Assert.Equal("1-0-1", (await t.OkAsync(HttpMethod.Post, path, "{" + defs + ",\"bump\":\"addition\"}", HttpStatusCode.Created)).GetProperty("version").GetString());
        Assert.Equal("1-1-0", (await t.OkAsync(HttpMethod.Post, path, "{" + defs + ",\"bump\":\"revision\"}", HttpStatusCode.Created)).GetProperty("version").GetString());
        Assert.Equal("2-0-0", (await t.OkAsync(HttpMethod.Post, path, "{" + defs + ",\"bump\":\"model\"}", HttpStatusCode.Created)).GetProperty("version").GetString());
        Assert.Equal("2-3-1", (await t.OkAsync(HttpMethod.Post, path, "{" + defs + ",\"version\":\"2-3-1\"}", HttpStatusCode.Created)).GetProperty("version").GetString());

        var list = await t.OkAsync(HttpMethod.Get, path);
        Assert.Equal(["2-3-1", "2-0-0", "1-1-0", "1-0-1", "1-0-0"], list.EnumerateArray().Select(x => x.GetProperty("version").GetString()!).ToArray());
        var plan = await t.OkAsync(HttpMethod.Get, $"/api/v1/sources/{t.SourceId}/tracking-plan");
        Assert.Equal("2-3-1", plan.GetProperty("currentVersion").GetString());
        Assert.Equal("allow", plan.GetProperty("mode").GetString());
        var one = await t.OkAsync(HttpMethod.Get, path + "/1-1-0");
        Assert.True(one.GetProperty("definitions").GetProperty("track").TryGetProperty("A", out _));
    }

    [Theory]
    [InlineData("""{"definitions":{"track":{"A":{"schema":{"type":"nope"}}}}}""", "definitions.track.A.schema")]
    [InlineData("""{"definitions":{"track":{"A":{"schema":"string"}}}}""", "definitions.track.A.schema")]
    [InlineData("""{"definitions":{"track":{"A":{"schema":{"properties":{"x":{"$ref":"https://example.com/s.json"}}}}}}}""", "definitions.track.A.schema")]
    [InlineData("""{"definitions":{"identify":{"schema":{"properties":{"x":{"pattern":"("}}}}}}""", "definitions.identify.schema")]
    [InlineData("""{"definitions":{"track":{"":{}}}}""", "definitions.track")]
    [InlineData("""{"definitions":{"track":{"A":{"schema":{},"surprise":1}}}}""", null)]
    [InlineData("""{"definitions":{"track":[]}}""", null)]
    [InlineData("""{"version":"1-0-0"}""", "definitions")]
    [InlineData("""{"definitions":""", null)]
    public async Task BadPlanJson_IsA400Problem(string body, string? field)
    {
        var t = await fixture.TenantAsync();
        var (res, problem) = await t.CallAsync(HttpMethod.Post, $"/api/v1/sources/{t.SourceId}/tracking-plan/versions", body);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
        Assert.StartsWith("application/problem+json", res.Content.Headers.ContentType!.ToString());
        if (field is not null)
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());

        (res, problem) = await t.CallAsync(HttpMethod.Put, $"/api/v1/sources/{t.SourceId}/tracking-plan", """{"mode":"strict"}""");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
    }

    [Fact]
    public async Task Viewer_MayReadThePlan_ButNotChangeIt_NorSeeTheQuarantine()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("block");
        var viewer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Viewer)).Key;
        var plan = $"/api/v1/sources/{t.SourceId}/tracking-plan";
        Assert.Equal(HttpStatusCode.OK, (await t.CallAsync(HttpMethod.Get, plan, key: viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Put, plan, """{"mode":"allow"}""", viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Post, plan + "/versions", PlanTestKit.OrderPlan, viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Delete, plan, key: viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Get, "/api/v1/quarantine", key: viewer)).Response.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Post, "/api/v1/quarantine/replay", """{"source":"Web"}""", viewer)).Response.StatusCode);
        var marketer = (await fixture.Server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Marketer)).Key;
        Assert.Equal(HttpStatusCode.Forbidden, (await t.CallAsync(HttpMethod.Post, "/api/v1/quarantine/replay", """{"source":"Web"}""", marketer)).Response.StatusCode);
    }

    [Fact]
    public async Task Violations_AreCountedPerEventAndPlanVersion_InTheLogAndInQuarantine()
    {
        var t = await fixture.TenantAsync();
        await t.PlanAsync("allow");
        await t.IngestAsync("/v1/batch", """
            {"batch":[
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":"1","orderId":"a"}},
              {"type":"track","userId":"u1","event":"Order Completed","properties":{"revenue":"2"}},
              {"type":"track","userId":"u1","event":"Nope"}
            ]}
            """);
        await t.OkAsync(HttpMethod.Put, $"/api/v1/sources/{t.SourceId}/tracking-plan", """{"mode":"block"}""");
        await t.IngestAsync("/v1/track", """{"userId":"u1","event":"Nope","messageId":"q"}""");

        var report = await t.OkAsync(HttpMethod.Get, $"/api/v1/sources/{t.SourceId}/tracking-plan/violations?from=2000-01-01");
        var items = report.GetProperty("items").EnumerateArray().ToDictionary(i => i.GetProperty("event").GetString()!);
        var order = items["Order Completed"];
        Assert.Equal("1-0-0", order.GetProperty("planVersion").GetString());
        Assert.Equal(2, order.GetProperty("events").GetInt64());
        Assert.Equal(2, order.GetProperty("byType").GetProperty(V.TypeMismatch).GetInt64());
        Assert.Equal(1, order.GetProperty("byType").GetProperty(V.MissingRequired).GetInt64());
        Assert.Equal(1, items["Nope"].GetProperty("events").GetInt64());
        Assert.Equal(1, items["Nope"].GetProperty("quarantined").GetInt64());
        Assert.Equal(2, items["Nope"].GetProperty("byType").GetProperty(V.UnplannedEvent).GetInt64());

        var (res, problem) = await t.CallAsync(HttpMethod.Get, $"/api/v1/sources/{t.SourceId}/tracking-plan/violations?from=yesterday");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, problem.ToString());
    }

    [Theory]
    [InlineData("1-0-0", true)]
    [InlineData("12-3-45", true)]
    [InlineData("0-0-1", false)]
    [InlineData("1-0", false)]
    [InlineData("1-0-0-0", false)]
    [InlineData("01-0-0", false)]
    [InlineData("1--0", false)]
    [InlineData("-1-0-0", false)]
    [InlineData("1-a-0", false)]
    [InlineData("", false)]
    public void SchemaVer_Parses_OnlyModelRevisionAddition(string text, bool valid)
    {
        Assert.Equal(valid, SchemaVer.TryParse(text, out var v));
        if (valid)
            Assert.Equal(text, v.ToString());
    }

    [Fact]
    public void SchemaVer_BumpsAndOrders()
    {
        var v = new SchemaVer(1, 2, 3);
        Assert.Equal(new SchemaVer(1, 2, 4), v.Bump(VersionBump.Addition));
        Assert.Equal(new SchemaVer(1, 3, 0), v.Bump(VersionBump.Revision));
        Assert.Equal(new SchemaVer(2, 0, 0), v.Bump(VersionBump.Model));
        Assert.True(new SchemaVer(1, 10, 0) > new SchemaVer(1, 9, 9));
        Assert.True(new SchemaVer(2, 0, 0) > new SchemaVer(1, 99, 99));
    }
}
