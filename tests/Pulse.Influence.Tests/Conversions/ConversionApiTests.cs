using System.Net;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Conversions;

/// <summary>Discount codes and conversions through the API, in both storage modes: crediting by code and click, idempotent orders, refunds.</summary>
public sealed class ConversionApiTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, object? json = null)
    {
        var res = await Server.SendAsync(method, path, key, json);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    private async Task<(string Key, Guid Anna, Guid Kuba)> TenantAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Marketer)).Key;
        var anna = (await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna", handles = new[] { new { platform = "instagram", handle = "anna_fit" } } })).Body.GetProperty("id").GetGuid();
        var kuba = (await SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Kuba", handles = new[] { new { platform = "tiktok", handle = "kuba_runs" } } })).Body.GetProperty("id").GetGuid();
        return (key, anna, kuba);
    }

    [Fact]
    public async Task ASaleWithACode_IsItsCreators_WithoutAnyClick_AndTheCodeCountsItsUses()
    {
        var (key, anna, _) = await TenantAsync();
        var (res, code) = await SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "anna10", creatorId = anna, campaign = "spring", discount = "10%" });
        TestData.AssertStatus(HttpStatusCode.Created, res, code.ToString());
        Assert.Equal("ANNA10", code.GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "Anna10" })).Response.StatusCode);

        var (saleRes, sale) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new
        {
            orderId = "1001", amount = 249.90m, currency = "pln", code = " anna10 ", customerId = "c-17",
            items = new[] { new { sku = "LEG-1", name = "Leggings", category = "apparel", quantity = 1, price = 249.90m } },
        });
        TestData.AssertStatus(HttpStatusCode.Created, saleRes, sale.ToString());
        Assert.Equal(anna, sale.GetProperty("creatorId").GetGuid());
        Assert.Equal("code", sale.GetProperty("attributedBy").GetString());
        Assert.Equal("PLN", sale.GetProperty("currency").GetString());
        Assert.Equal("apparel", sale.GetProperty("items")[0].GetProperty("category").GetString());

        var (_, counted) = await SendAsync(HttpMethod.Get, $"/api/v1/codes/{code.GetProperty("id").GetGuid()}", key);
        Assert.Equal(1, counted.GetProperty("uses").GetInt32());
        Assert.Equal(249.90m, counted.GetProperty("revenue").GetProperty("PLN").GetDecimal());

        // A single-use code credits its first sale only.
        await SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "ONCE-ANNA", creatorId = anna, maxUses = 1 });
        var (_, first) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "1002", amount = 50, currency = "PLN", code = "once-anna" });
        var (_, second) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "1003", amount = 50, currency = "PLN", code = "once-anna" });
        Assert.Equal("code", first.GetProperty("attributedBy").GetString());
        Assert.Equal(JsonValueKind.Null, second.GetProperty("attributedBy").ValueKind);
        Assert.Equal(JsonValueKind.Null, second.GetProperty("creatorId").ValueKind);
    }

    [Fact]
    public async Task TheSameOrder_IsRecordedOnce_AndAnotherAmountForIt_Gets409NamingTheConflict()
    {
        var (key, _, _) = await TenantAsync();
        var body = new { orderId = "A-77", amount = 120.00m, currency = "EUR" };
        var (first, one) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, body);
        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        var (again, two) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, body);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        Assert.Equal(one.GetProperty("id").GetGuid(), two.GetProperty("id").GetGuid());
        var (conflict, problem) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "A-77", amount = 99.00m, currency = "EUR" });
        TestData.AssertStatus(HttpStatusCode.Conflict, conflict, problem.ToString());
        Assert.Contains("120", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("99", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Single((await SendAsync(HttpMethod.Get, "/api/v1/conversions", key)).Body.GetProperty("items").EnumerateArray());
    }

    [Theory]
    [InlineData("""{"orderId":"1","amount":-5,"currency":"PLN"}""", "amount")]
    [InlineData("""{"orderId":"1","amount":"12,50","currency":"PLN"}""", "amount")]
    [InlineData("""{"orderId":"1","amount":10,"currency":"XYZ"}""", "currency")]
    [InlineData("""{"orderId":"1","amount":10}""", "currency")]
    [InlineData("""{"amount":10,"currency":"PLN"}""", "orderId")]
    [InlineData("""{"orderId":"1","amount":10,"currency":"PLN","type":"refund"}""", "type")]
    [InlineData("""{"orderId":"1","amount":10,"currency":"PLN","clickId":"not-a-click"}""", "clickId")]
    [InlineData("""{"orderId":"1","amount":10,"currency":"PLN","code":"ŻABA10"}""", "code")]
    [InlineData("""{"orderId":"1","amount":10,"currency":"PLN","items":[{"price":-1}]}""", "items[0]")]
    public async Task BadConversions_Get400_NamingTheField(string json, string field)
    {
        var (key, _, _) = await TenantAsync();
        using var req = Server.Request(HttpMethod.Post, "/api/v1/conversions", key);
        req.Content = new StringContent(json, Encoding.UTF8, "application/json");
        var res = await Server.Client.SendAsync(req);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains(field, body.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AClickIdCreditsTheLinksCreator_UnlessACodeOfAnotherCreatorWasUsed()
    {
        var (key, anna, kuba) = await TenantAsync();
        var (_, link) = await SendAsync(HttpMethod.Post, "/api/v1/links", key, new { url = "https://shop.example/", creatorId = anna });
        using var req = new HttpRequestMessage(HttpMethod.Get, $"/l/{link.GetProperty("slug").GetString()}");
        var location = (await Server.Client.SendAsync(req)).Headers.Location!.OriginalString;
        var clickId = location[(location.IndexOf("pclid=", StringComparison.Ordinal) + 6)..];
        await SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "KUBA15", creatorId = kuba });

        // The click reaches the log a moment after the redirect.
        var byClick = await Eventually.UntilAsync(async () =>
        {
            var orderId = "c-" + Guid.NewGuid().ToString("N");
            return (await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId, amount = 80, currency = "PLN", clickId })).Body;
        }, b => b.GetProperty("attributedBy").ValueKind == JsonValueKind.String, TimeSpan.FromSeconds(30), () => "a sale credited by its click");
        Assert.Equal(anna, byClick.GetProperty("creatorId").GetGuid());
        Assert.Equal("click", byClick.GetProperty("attributedBy").GetString());
        Assert.Equal(link.GetProperty("id").GetGuid(), byClick.GetProperty("linkId").GetGuid());

        var (_, both) = await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "both-1", amount = 80, currency = "PLN", clickId, code = "KUBA15" });
        Assert.Equal(kuba, both.GetProperty("creatorId").GetGuid());
        Assert.Equal("code", both.GetProperty("attributedBy").GetString());
    }

    [Fact]
    public async Task Refunds_AreIdempotentByTheirId_CannotExceedTheOrder_AndCancelEndsIt()
    {
        var (key, _, _) = await TenantAsync();
        await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "R-1", amount = 100m, currency = "PLN" });
        var (_, part) = await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-1/refunds", key, new { amount = 30m, refundId = "rf-1" });
        Assert.Equal("partially_refunded", part.GetProperty("status").GetString());
        Assert.Equal(70m, part.GetProperty("net").GetDecimal());
        var (_, repeat) = await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-1/refunds", key, new { amount = 30m, refundId = "rf-1" });
        Assert.Equal(70m, repeat.GetProperty("net").GetDecimal());
        var (tooMuch, problem) = await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-1/refunds", key, new { amount = 80m, refundId = "rf-2" });
        TestData.AssertStatus(HttpStatusCode.Conflict, tooMuch, problem.ToString());
        var (_, rest) = await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-1/refunds", key, new { refundId = "rf-3" });
        Assert.Equal("refunded", rest.GetProperty("status").GetString());
        Assert.Equal(0m, rest.GetProperty("net").GetDecimal());

        await SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "R-2", amount = 40m, currency = "PLN" });
        var (_, cancelled) = await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-2/cancel", key);
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, "/api/v1/conversions/R-2/refunds", key, new { amount = 1m })).Response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Post, "/api/v1/conversions/NOPE/refunds", key, new { amount = 1m })).Response.StatusCode);
    }
}
