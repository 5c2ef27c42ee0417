using System.Net;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Attribution;

public sealed class AnalyzeApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private static readonly object ContractBody = new
    {
        models = new[] { "last_click", "first_click", "linear", "time_decay", "position_based", "markov", "shapley" },
        journeys = new object[]
        {
            new { path = new[] { "instagram", "email" }, conversions = 1, value = 100.0, nulls = 0 },
            new { path = new[] { "instagram" }, conversions = 2, value = 150.0, nulls = 3 },
            new { path = new[] { "tiktok", "instagram", "email" }, conversions = 0, value = 0.0, nulls = 4 },
        },
    };

    [Fact]
    public async Task Analyze_AnswersEveryModelsCreditsPerChannel_AddingUpToTheTotals()
    {
        var ws = await fixture.Server.CreateWorkspaceAsync();
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Analyst)).Key;
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/attribution/analyze", key, ContractBody);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var models = body.GetProperty("models");
        Assert.Equal(["last_click", "first_click", "linear", "time_decay", "position_based", "markov", "shapley"], models.EnumerateObject().Select(m => m.Name));
        Assert.Equal(3, body.GetProperty("totals").GetProperty("conversions").GetDouble());
        foreach (var model in models.EnumerateObject())
        {
            var sum = model.Value.EnumerateObject().Sum(c => c.Value.GetProperty("value").GetDouble());
            Assert.True(Math.Abs(sum - 250) < 1e-4, $"{model.Name}: {sum}");
        }
        // Last click: email closed one, instagram two; a path that never converted earns nothing.
        Assert.Equal(1, models.GetProperty("last_click").GetProperty("email").GetProperty("conversions").GetDouble());
        Assert.Equal(2, models.GetProperty("last_click").GetProperty("instagram").GetProperty("conversions").GetDouble());
        Assert.Equal(0, models.GetProperty("shapley").GetProperty("tiktok").GetProperty("conversions").GetDouble());
        // Most credited first.
        Assert.Equal("instagram", models.GetProperty("linear").EnumerateObject().First().Name);
    }

    [Theory]
    [InlineData("""{"models":["last_touch"],"journeys":[{"path":["a"],"conversions":1}]}""", "models[0]")]
    [InlineData("""{"models":["linear"],"journeys":[]}""", "journeys")]
    [InlineData("""{"models":["linear"],"journeys":[{"path":[],"conversions":1}]}""", "journeys[0].path")]
    [InlineData("""{"models":["linear"],"journeys":[{"path":["a"],"conversions":-1}]}""", "journeys[0].conversions")]
    [InlineData("""{"models":["linear"],"journeys":[{"path":["a"],"conversions":0,"value":5,"nulls":1}]}""", "journeys[0].value")]
    [InlineData("""{"models":["linear"],"journeys":[{"path":["a","b"],"conversions":1,"timestamps":["2026-11-02T10:00:00Z"]}]}""", "journeys[0].timestamps")]
    [InlineData("""{"models":["time_decay"],"journeys":[{"path":["a"],"conversions":1}],"halfLifeDays":0}""", "halfLifeDays")]
    public async Task BadInput_Gets400_NamingTheField(string json, string field)
    {
        var ws = await fixture.Server.CreateWorkspaceAsync();
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        using var req = fixture.Server.Request(HttpMethod.Post, "/api/v1/attribution/analyze", key);
        req.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var res = await fixture.Server.Client.SendAsync(req);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Theory]
    [InlineData("""{"models":["linear"],"journeys":[{"path":["a"],"conversions":"many"}]}""")]
    [InlineData("""{"models":["linear"],"journeys":[{"path":["a"],"conversions":1,"weight":2}]}""")]
    public async Task NonNumericAmountsAndUnknownFields_Get400(string json)
    {
        var ws = await fixture.Server.CreateWorkspaceAsync();
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        using var req = fixture.Server.Request(HttpMethod.Post, "/api/v1/attribution/analyze", key);
        req.Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json");
        var res = await fixture.Server.Client.SendAsync(req);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, await res.Content.ReadAsStringAsync());
    }

    [Theory]
    [InlineData(WorkspaceRole.Viewer)]
    [InlineData(WorkspaceRole.Partner)]
    public async Task RolesWithoutAttribution_AreRefused(WorkspaceRole role)
    {
        var ws = await fixture.Server.CreateWorkspaceAsync();
        var key = (await fixture.Server.CreateKeyAsync(ws.Id, role)).Key;
        var res = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/attribution/analyze", key, ContractBody);
        TestData.AssertStatus(HttpStatusCode.Forbidden, res, await res.Content.ReadAsStringAsync());
    }
}
