using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Roi;

/// <summary>ROI per creator: clicks from the log, commissions and the range's share of contract fees as cost, and return under each model. Both storage modes.</summary>
public sealed class RoiApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
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
    public async Task EachCreatorsCostAndReturn_AreTheirCommissionsAndFeeShare_AgainstTheirAttributedRevenue()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var today = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime);
        // 3,650 PLN for a 365-day contract: 10 PLN a day, 300 PLN of it in the report's 30 days.
        var anna = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new
        {
            name = "Anna", contract = new { type = "hybrid", start = today.AddDays(-100).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                end = today.AddDays(264).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), fee = 3650, currency = "PLN" },
        }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var kuba = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Kuba", handles = new[] { new { platform = "tiktok", handle = "kuba_runs", followers = 9000 } } },
            HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "A", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { anna } }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "K", currency = "PLN", rules = new[] { new { on = "sale", type = "percent", value = 20 } }, creatorIds = new[] { kuba } }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = anna }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "KUBA20", creatorId = kuba }, HttpStatusCode.Created);
        var at = TimeProvider.System.GetUtcNow().AddDays(-2).ToString("O", CultureInfo.InvariantCulture);
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "A-1", amount = 200m, currency = "PLN", code = "ANNA10", occurredAt = at }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "K-1", amount = 300m, currency = "PLN", code = "KUBA20", occurredAt = at }, HttpStatusCode.Created);
        // Three people's clicks on Anna's links (one clicked twice), and a crawler's.
        var writeKey = (await Ok(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" }, HttpStatusCode.Created)).GetProperty("writeKey").GetString()!;
        object Click(string anon, string ua) => new
        {
            type = "track", @event = "Link Clicked", anonymousId = anon, timestamp = at,
            properties = new { creatorId = anna.ToString(), platform = "instagram", clickId = Guid.NewGuid().ToString("N") },
            context = new { userAgent = ua },
        };
        const string Phone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1";
        using (var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
        {
            Content = new StringContent(JsonSerializer.Serialize(new { batch = new[] { Click("p1", Phone), Click("p2", Phone), Click("p2", Phone), Click("bot", "Googlebot/2.1 (+http://www.google.com/bot.html)") } }),
                Encoding.UTF8, "application/json"),
        })
        {
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            var res = await Server.Client.SendAsync(req);
            TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        }

        var roi = await Eventually.UntilAsync(() => Ok(HttpMethod.Get, "/api/v1/roi?level=creator&models=last_click,linear,shapley", key),
            r => r.GetProperty("rows").EnumerateArray().Any(x => x.GetProperty("label").GetString() == "Anna" && x.GetProperty("clicks").GetInt64() == 3),
            TimeSpan.FromSeconds(20), () => "Anna's three clicks in the ROI report");
        Assert.Equal("PLN", roi.GetProperty("currency").GetString());
        var rows = roi.GetProperty("rows").EnumerateArray().ToDictionary(r => r.GetProperty("label").GetString()!);
        var a = rows["Anna"];
        Assert.Equal(3, a.GetProperty("clicks").GetInt64());
        Assert.Equal(2, a.GetProperty("uniqueVisitors").GetInt64());
        Assert.Equal(1, a.GetProperty("botClicks").GetInt64());
        Assert.Equal(20m, a.GetProperty("commissions").GetDecimal());
        Assert.Equal(300m, a.GetProperty("fees").GetDecimal());
        Assert.Equal(320m, a.GetProperty("cost").GetDecimal());
        foreach (var model in new[] { "last_click", "linear", "shapley" })
        {
            var m = a.GetProperty("models").GetProperty(model);
            Assert.Equal(200m, m.GetProperty("revenue").GetDecimal());
            Assert.Equal(320m, m.GetProperty("cac").GetDecimal());
            Assert.Equal(0.625, m.GetProperty("roas").GetDouble(), 6);
            Assert.Equal(-0.375, m.GetProperty("roi").GetDouble(), 6);
        }
        var k = rows["Kuba"].GetProperty("models").GetProperty("last_click");
        Assert.Equal(60m, rows["Kuba"].GetProperty("cost").GetDecimal());
        Assert.Equal(5.0, k.GetProperty("roas").GetDouble(), 6);
        Assert.Equal(4.0, k.GetProperty("roi").GetDouble(), 6);
        // By platform: Kuba's code sale counts where he posts (his largest platform); fees belong to creators only.
        var platforms = (await Ok(HttpMethod.Get, "/api/v1/roi?level=channel&models=last_click", key)).GetProperty("rows").EnumerateArray()
            .ToDictionary(r => r.GetProperty("key").GetString()!);
        Assert.Equal(60m, platforms["tiktok"].GetProperty("commissions").GetDecimal());
        Assert.Equal(3, platforms["instagram"].GetProperty("clicks").GetInt64());
        var total = roi.GetProperty("total");
        Assert.Equal(380m, total.GetProperty("cost").GetDecimal());
        Assert.Equal(500m, total.GetProperty("models").GetProperty("linear").GetProperty("revenue").GetDecimal());
    }

    [Fact]
    public async Task OrdersAndCommissionsInOtherCurrencies_CountAtTheWorkspacesRate_AndWithoutOneAreLeftOutAndSaid()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var ola = (await Ok(HttpMethod.Post, "/api/v1/creators", key, new { name = "Ola" }, HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await Ok(HttpMethod.Post, "/api/v1/programs", key, new { name = "EU", currency = "EUR", rules = new[] { new { on = "sale", type = "percent", value = 10 } }, creatorIds = new[] { ola } }, HttpStatusCode.Created);
        await Ok(HttpMethod.Post, "/api/v1/codes", key, new { code = "OLA10", creatorId = ola }, HttpStatusCode.Created);
        var at = TimeProvider.System.GetUtcNow().AddDays(-2);
        foreach (var (order, amount, currency) in new[] { ("P-1", 300m, "PLN"), ("P-2", 500m, "PLN"), ("E-1", 100m, "EUR"), ("U-1", 50m, "USD") })
            await Ok(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = order, amount, currency, code = "OLA10", occurredAt = at.ToString("O", CultureInfo.InvariantCulture) }, HttpStatusCode.Created);
        var day = DateOnly.FromDateTime(at.UtcDateTime).AddDays(-5).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
        // A PLN→EUR rate is used the other way round for EUR→PLN; a later day's rate does not reach back.
        await Ok(HttpMethod.Put, "/api/v1/rates", key, new { rates = new object[] { new { currency = "PLN", to = "EUR", rate = 0.25, day }, new { currency = "USD", to = "PLN", rate = 4, day = DateOnly.FromDateTime(TimeProvider.System.GetUtcNow().UtcDateTime).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture) } } });
        var roi = await Ok(HttpMethod.Get, "/api/v1/roi?level=creator&models=last_click&currency=PLN", key);
        var row = roi.GetProperty("rows").EnumerateArray().Single(r => r.GetProperty("label").GetString() == "Ola");
        // 300 + 500 PLN and 100 EUR at 4 PLN; the USD order has no rate for its day.
        Assert.Equal(1200m, row.GetProperty("models").GetProperty("last_click").GetProperty("revenue").GetDecimal());
        Assert.Equal(120m, row.GetProperty("commissions").GetDecimal());
        Assert.Contains(roi.GetProperty("notes").EnumerateArray(), n => n.GetString()!.Contains("exchange rate", StringComparison.Ordinal));
        var report = await Ok(HttpMethod.Get, "/api/v1/attribution/report?level=creator&models=last_click&currency=PLN", key);
        Assert.Equal(1, report.GetProperty("otherCurrencies").GetProperty("USD").GetInt32());

        var bad = await Ok(HttpMethod.Put, "/api/v1/rates", key, new { rates = new[] { new { currency = "EUR", to = "XYZ", rate = -1m } } }, HttpStatusCode.BadRequest);
        Assert.True(bad.GetProperty("errors").TryGetProperty("rates[0].to", out _));
        Assert.True(bad.GetProperty("errors").TryGetProperty("rates[0].rate", out _));
        Assert.Equal(2, (await Ok(HttpMethod.Get, "/api/v1/rates", key)).GetArrayLength());
    }

    [Fact]
    public async Task BadLevels_AreRefused_AndViewersMayNotSeeIt()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Analyst)).Key;
        var bad = await Ok(HttpMethod.Get, "/api/v1/roi?level=planet", key, expected: HttpStatusCode.BadRequest);
        Assert.Contains("planet", bad.ToString(), StringComparison.Ordinal);
        await Ok(HttpMethod.Get, "/api/v1/roi?models=best_guess", key, expected: HttpStatusCode.BadRequest);
        var empty = await Ok(HttpMethod.Get, "/api/v1/roi", key);
        Assert.Empty(empty.GetProperty("rows").EnumerateArray());
        var viewer = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Viewer)).Key;
        await Ok(HttpMethod.Get, "/api/v1/roi", viewer, expected: HttpStatusCode.Forbidden);
    }
}
