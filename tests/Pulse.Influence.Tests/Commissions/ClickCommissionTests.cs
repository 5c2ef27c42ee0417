using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Commissions;

/// <summary>Per-click commissions: a finished day pays its value per person who clicked the creator's links, bots left out, once. Both storage modes.</summary>
public sealed class ClickCommissionTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<JsonElement> Ok(HttpMethod method, string path, string key, object? body = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, key, body);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task AFinishedDay_PaysPerPersonWhoClicked_BotsAndTodayLeftOut_Once()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var anna = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var program = "CPC-" + Guid.NewGuid().ToString("N");
        var programId = (await Ok(HttpMethod.Post, "/api/v1/programs", key, new
        {
            name = program, currency = "PLN", holdDays = 7,
            rules = new object[] { new { on = "click", type = "flat", value = 0.25 }, new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna },
        }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var writeKey = (await Ok(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" }, HttpStatusCode.Created)).GetProperty("writeKey").GetString()!;
        var now = TimeProvider.System.GetUtcNow();
        var yesterday = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero).AddDays(-1).AddHours(12);
        object Click(string anon, DateTimeOffset at, string ua = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1") => new
        {
            type = "track", @event = "Link Clicked", anonymousId = anon, timestamp = at.ToString("O", CultureInfo.InvariantCulture),
            properties = new { creatorId = anna.ToString(), clickId = Guid.NewGuid().ToString("N") }, context = new { userAgent = ua },
        };
        // Yesterday: three people (one clicked twice) and a crawler; today: one more person, not paid until the day is over.
        var batch = new[]
        {
            Click("p1", yesterday), Click("p2", yesterday), Click("p2", yesterday.AddMinutes(5)), Click("p3", yesterday.AddHours(1)),
            Click("bot", yesterday, "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)"), Click("p4", now.AddMinutes(-1)),
        };
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(JsonSerializer.Serialize(new { batch }), Encoding.UTF8, "application/json") })
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            var res = await Server.Client.SendAsync(req);
            TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        }
        var job = Server.App.Services.GetServices<Microsoft.Extensions.Hosting.IHostedService>().OfType<Pulse.Influence.Commissions.ClickCommissions>().Single();
        // The program was made today: backdate it, as if it had run for a while.
        await Server.SqlAsync($"UPDATE programs SET \"CreatedAt\" = \"CreatedAt\" - 172800000 WHERE \"Name\" = '{program}'",
            $"UPDATE programs SET \"CreatedAt\" = \"CreatedAt\" - 172800000 WHERE \"Name\" = '{program}'");
        await Server.SqlAsync($"UPDATE program_members SET \"JoinedAt\" = \"JoinedAt\" - 172800000 WHERE upper(\"ProgramId\") = upper('{programId}')",
            $"UPDATE program_members SET \"JoinedAt\" = \"JoinedAt\" - 172800000 WHERE \"ProgramId\" = '{programId}'");
        await job.RunAsync(CancellationToken.None);
        await job.RunAsync(CancellationToken.None);
        var items = (await Ok(HttpMethod.Get, $"/api/v1/commissions?creatorId={anna}", key)).GetProperty("items").EnumerateArray().ToList();
        var day = Assert.Single(items);
        Assert.Equal("click", day.GetProperty("kind").GetString());
        Assert.Equal(3m, day.GetProperty("base").GetDecimal());
        Assert.Equal(0.75m, day.GetProperty("amount").GetDecimal());
        Assert.Equal("pending", day.GetProperty("state").GetString());
        Assert.Equal(yesterday.UtcDateTime.Date, day.GetProperty("earnedAt").GetDateTimeOffset().UtcDateTime.Date);
    }

    [Fact]
    public async Task AClickRule_PaysAFlatValue_AndTakesNoOrderConditions()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        foreach (var (rule, field) in new (object, string)[]
                 {
                     (new { on = "click", type = "percent", value = 5 }, "rules[0].type"),
                     (new { on = "click", type = "flat", value = 0.1, minOrderValue = 50 }, "rules[0].on"),
                     (new { on = "view", type = "flat", value = 0.1 }, "rules[0].on"),
                 })
        {
            var problem = await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "P" + field, currency = "PLN", rules = new[] { rule } }, HttpStatusCode.BadRequest);
            Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), problem.ToString());
        }
    }
}
