using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Influence.Tests.Conversions;

/// <summary>Order Completed events on the log become conversions, once per order, in both storage modes.</summary>
public sealed class OrderEventTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Fact]
    public async Task OrderCompletedEvents_CountAsConversions_NeverTwiceForTheSameOrder()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var anna = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna" }))).GetProperty("id").GetGuid();
        await Server.SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = anna });
        var source = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" }));
        var writeKey = source.GetProperty("writeKey").GetString()!;
        // The shop also reported order E-2 by API, with the same amount: it is still one conversion.
        await Server.SendAsync(HttpMethod.Post, "/api/v1/conversions", key, new { orderId = "E-2", amount = 90.0m, currency = "PLN" });

        object Order(string id, double total, string? coupon) => new
        {
            type = "track", @event = "Order Completed", messageId = Guid.NewGuid().ToString(), userId = "u-" + id,
            properties = new { order_id = id, total, revenue = total - 5, currency = "PLN", coupon, products = new[] { new { product_id = "SKU-1", name = "Air Runner", category = "shoes", price = total, quantity = 1 } } },
            context = new { traits = new { email = "buyer@example.com" } },
        };
        var batch = new[] { Order("E-1", 199.99, "anna10"), Order("E-1", 199.99, "anna10"), Order("E-2", 90.0, null), Order("E-3", 50.0, null) };
        // The same order sent again in a later batch (a retry with a new message id).
        foreach (var messages in new[] { batch, [Order("E-1", 199.99, "anna10")] })
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new StringContent(JsonSerializer.Serialize(new { batch = messages }), Encoding.UTF8, "application/json") };
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            TestData.AssertStatus(HttpStatusCode.OK, await Server.Client.SendAsync(req));
        }

        var list = await Eventually.UntilAsync(async () => (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/conversions", key))).GetProperty("items"),
            items => items.GetArrayLength() == 3, TimeSpan.FromSeconds(30), () => "three orders from the events");
        var e1 = list.EnumerateArray().Single(c => c.GetProperty("orderId").GetString() == "E-1");
        Assert.Equal(199.99m, e1.GetProperty("amount").GetDecimal());
        Assert.Equal("event", e1.GetProperty("origin").GetString());
        Assert.Equal(anna, e1.GetProperty("creatorId").GetGuid());
        Assert.Equal("shoes", e1.GetProperty("items")[0].GetProperty("category").GetString());
        Assert.Equal("api", list.EnumerateArray().Single(c => c.GetProperty("orderId").GetString() == "E-2").GetProperty("origin").GetString());
    }
}
