using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Influence.Tests.Shops;

/// <summary>
/// Shop webhooks with the platforms' documented payloads (Shopify's orders/create and refunds/create
/// examples from its webhook reference, WooCommerce's order resource from its REST API docs),
/// signed as each platform signs them, in both storage modes.
/// </summary>
public sealed class ShopWebhookTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    // Shopify's documented orders/create example (trimmed to the fields Pulse reads, values as documented), with a discount code and a landing site carrying a pclid.
    private const string ShopifyOrder = """
        {"id":820982911946154508,"admin_graphql_api_id":"gid://shopify/Order/820982911946154508","email":"jon@example.com","created_at":"2021-12-31T19:00:00-05:00",
         "currency":"USD","total_price":"403.00","subtotal_price":"393.00","total_tax":"0.00","financial_status":"paid","name":"#9999","number":234,
         "landing_site":"/products/ipod-nano?utm_source=instagram&pclid=0192f5b1c4a87d3e9b0a1c2d3e4f5a6b","referring_site":"https://www.instagram.com/",
         "discount_codes":[{"code":"ANNA10","amount":"10.00","type":"fixed_amount"}],
         "note_attributes":[{"name":"gift","value":"no"}],
         "customer":{"id":115310627314723954,"email":"john@example.com","first_name":"John","last_name":"Smith"},
         "line_items":[{"id":866550311766439020,"product_id":632910392,"sku":"IPOD2008RED","title":"IPod Nano - 8GB","quantity":1,"price":"199.00","vendor":null},
                       {"id":141249953214522974,"product_id":632910392,"sku":"IPOD2008BLACK","title":"IPod Nano - 8GB","quantity":1,"price":"204.00","vendor":null}]}
        """;

    // Shopify's documented refunds/create example (trimmed), refunding 209.00 of that order.
    private const string ShopifyRefund = """
        {"id":890088186047892319,"order_id":820982911946154508,"created_at":"2021-12-31T19:00:00-05:00","note":"Things were damaged","user_id":548380009,"restock":false,
         "refund_line_items":[{"id":487817672276298627,"quantity":1,"line_item_id":487817672276298554,"restock_type":"no_restock","subtotal":199.0,"total_tax":0.0}],
         "transactions":[{"id":245135271310205522,"order_id":820982911946154508,"kind":"refund","gateway":"bogus","status":"success","amount":"209.00","currency":"USD"}],
         "order_adjustments":[]}
        """;

    // WooCommerce's order resource as its REST API documents it (trimmed), paid ("processing").
    private const string WooOrder = """
        {"id":727,"parent_id":0,"number":"727","order_key":"wc_order_58d2d042d1d","created_via":"rest-api","version":"3.0.0","status":"processing","currency":"USD",
         "date_created":"2017-03-22T16:28:02","date_created_gmt":"2017-03-22T19:28:02","discount_total":"0.00","shipping_total":"10.00","total":"29.35","total_tax":"1.35",
         "customer_id":0,"billing":{"first_name":"John","last_name":"Doe","email":"john.doe@example.com","country":"US"},
         "payment_method":"bacs","transaction_id":"","meta_data":[{"id":13106,"key":"pclid","value":"0192f5b1c4a87d3e9b0a1c2d3e4f5a6c"}],
         "line_items":[{"id":315,"name":"Woo Single #1","product_id":93,"variation_id":0,"quantity":2,"sku":"","price":3,"subtotal":"6.00","total":"6.00"},
                       {"id":316,"name":"Ship Your Idea &ndash; Color: Black, Size: M Test","product_id":22,"variation_id":23,"quantity":1,"sku":"","price":12,"subtotal":"12.00","total":"12.00"}],
         "coupon_lines":[{"id":320,"code":"kuba15","discount":"0.00"}],"refunds":[]}
        """;

    private async Task<(string Key, Guid Anna, Guid Kuba)> TenantAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var anna = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Anna" }))).GetProperty("id").GetGuid();
        var kuba = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Post, "/api/v1/creators", key, new { name = "Kuba" }))).GetProperty("id").GetGuid();
        await Server.SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "ANNA10", creatorId = anna });
        await Server.SendAsync(HttpMethod.Post, "/api/v1/codes", key, new { code = "KUBA15", creatorId = kuba });
        return (key, anna, kuba);
    }

    private async Task<(string Path, string Secret)> ConnectAsync(string key, string platform, string? secret)
    {
        var res = await Server.SendAsync(HttpMethod.Post, "/api/v1/shops", key, new { platform, name = platform + " shop", secret });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        return (body.GetProperty("webhookPath").GetString()!, secret ?? body.GetProperty("secret").GetString()!);
    }

    private async Task<HttpResponseMessage> DeliverAsync(string path, string header, string topicHeader, string topic, string body, string secret, bool tamper = false)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(tamper ? body + " " : body)));
        req.Headers.Add(header, signature);
        req.Headers.Add(topicHeader, topic);
        return await Server.Client.SendAsync(req);
    }

    private async Task<JsonElement> OrderAsync(string key, string orderId) =>
        await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, $"/api/v1/conversions/{orderId}", key));

    [Fact]
    public async Task Shopify_OrderAndRefund_BecomeAConversionCreditedByItsCode_OnceEvenWhenRetried()
    {
        var (key, anna, _) = await TenantAsync();
        const string secret = "shpss_0123456789abcdef0123456789abcdef";
        var (path, _) = await ConnectAsync(key, "shopify", secret);
        Task<HttpResponseMessage> Send(string topic, string body, bool tamper = false) => DeliverAsync(path, "X-Shopify-Hmac-Sha256", "X-Shopify-Topic", topic, body, secret, tamper);

        var bad = await Send("orders/create", ShopifyOrder, tamper: true);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Contains("X-Shopify-Hmac-Sha256", await bad.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, (await OrderAsyncStatus(key, "820982911946154508")));

        Assert.Equal(HttpStatusCode.OK, (await Send("orders/create", ShopifyOrder)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send("orders/create", ShopifyOrder)).StatusCode); // Shopify retries
        var order = await OrderAsync(key, "820982911946154508");
        Assert.Equal(403.00m, order.GetProperty("amount").GetDecimal());
        Assert.Equal("USD", order.GetProperty("currency").GetString());
        Assert.Equal("ANNA10", order.GetProperty("code").GetString());
        Assert.Equal(anna, order.GetProperty("creatorId").GetGuid());
        Assert.Equal("0192f5b1c4a87d3e9b0a1c2d3e4f5a6b", order.GetProperty("clickId").GetString());
        Assert.Equal("shopify", order.GetProperty("origin").GetString());
        Assert.Equal(2, order.GetProperty("items").GetArrayLength());
        Assert.Equal("115310627314723954", order.GetProperty("customerId").GetString());

        Assert.Equal(HttpStatusCode.OK, (await Send("refunds/create", ShopifyRefund)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send("refunds/create", ShopifyRefund)).StatusCode);
        var refunded = await OrderAsync(key, "820982911946154508");
        Assert.Equal(209.00m, refunded.GetProperty("refunded").GetDecimal());
        Assert.Equal("partially_refunded", refunded.GetProperty("status").GetString());

        Assert.Equal(HttpStatusCode.OK, (await Send("products/update", "{\"id\":1}")).StatusCode);
        var malformed = await Send("orders/create", "{\"id\": 5, \"total_price\": \"a lot\", \"currency\": \"USD\"}");
        Assert.Equal(HttpStatusCode.BadRequest, malformed.StatusCode);
        Assert.Contains("total_price", await malformed.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Send("orders/create", "not json")).StatusCode);
    }

    private async Task<HttpStatusCode> OrderAsyncStatus(string key, string orderId) =>
        (await Server.SendAsync(HttpMethod.Get, $"/api/v1/conversions/{orderId}", key)).StatusCode;

    [Fact]
    public async Task WooCommerce_PaidOrder_IsRecordedOnce_ItsRefundsAndCancellationFollow()
    {
        var (key, _, kuba) = await TenantAsync();
        var (path, secret) = await ConnectAsync(key, "woocommerce", null);
        Task<HttpResponseMessage> Send(string topic, string body) => DeliverAsync(path, "X-WC-Webhook-Signature", "X-WC-Webhook-Topic", topic, body, secret);

        // The ping WooCommerce sends when the webhook is saved.
        using (var ping = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent([new("webhook_id", "12")]) })
            Assert.Equal(HttpStatusCode.OK, (await Server.Client.SendAsync(ping)).StatusCode);

        var pending = WooOrder.Replace("\"status\":\"processing\"", "\"status\":\"pending\"", StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, (await Send("order.created", pending)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, await OrderAsyncStatus(key, "727"));
        Assert.Equal(HttpStatusCode.OK, (await Send("order.updated", WooOrder)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await Send("order.updated", WooOrder)).StatusCode);
        var order = await OrderAsync(key, "727");
        Assert.Equal(29.35m, order.GetProperty("amount").GetDecimal());
        Assert.Equal(kuba, order.GetProperty("creatorId").GetGuid());
        Assert.Equal("KUBA15", order.GetProperty("code").GetString());
        Assert.Equal("0192f5b1c4a87d3e9b0a1c2d3e4f5a6c", order.GetProperty("clickId").GetString());
        Assert.Equal("2017-03-22T19:28:02+00:00", order.GetProperty("occurredAt").GetDateTimeOffset().ToString("yyyy-MM-ddTHH:mm:sszzz"));

        var withRefund = WooOrder.Replace("\"refunds\":[]", "\"refunds\":[{\"id\":726,\"reason\":\"Damaged\",\"total\":\"-10.00\"}]", StringComparison.Ordinal);
        await Send("order.updated", withRefund);
        await Send("order.updated", withRefund);
        Assert.Equal(10.00m, (await OrderAsync(key, "727")).GetProperty("refunded").GetDecimal());
        await Send("order.updated", withRefund.Replace("\"status\":\"processing\"", "\"status\":\"cancelled\"", StringComparison.Ordinal));
        Assert.Equal("cancelled", (await OrderAsync(key, "727")).GetProperty("status").GetString());

        var wrong = await DeliverAsync(path, "X-WC-Webhook-Signature", "X-WC-Webhook-Topic", "order.created", WooOrder, "not-the-secret");
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        using var unsigned = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(WooOrder, Encoding.UTF8, "application/json") };
        unsigned.Headers.Add("X-WC-Webhook-Topic", "order.created");
        Assert.Equal(HttpStatusCode.Unauthorized, (await Server.Client.SendAsync(unsigned)).StatusCode);
    }

    [Fact]
    public async Task Shops_NeedAShopifySecret_MaskIt_AndOnlyAdminsConnectThem()
    {
        var (key, _, _) = await TenantAsync();
        var res = await Server.SendAsync(HttpMethod.Post, "/api/v1/shops", key, new { platform = "shopify", name = "Main" });
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        Assert.Contains("secret", await res.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.BadRequest, (await Server.SendAsync(HttpMethod.Post, "/api/v1/shops", key, new { platform = "magento", name = "M" })).StatusCode);
        await ConnectAsync(key, "shopify", "shpss_0123456789abcdef0123456789abcdef");
        var list = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/shops", key));
        Assert.Equal("••••cdef", list[0].GetProperty("secret").GetString());
        Assert.Equal(HttpStatusCode.NotFound, (await Server.Client.PostAsync($"/hooks/shopify/{Guid.NewGuid()}", new StringContent("{}"))).StatusCode);
        var ws = (await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/workspaces/current", key))).GetProperty("id").GetGuid();
        var marketer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Marketer)).Key;
        Assert.Equal(HttpStatusCode.Forbidden, (await Server.SendAsync(HttpMethod.Post, "/api/v1/shops", marketer, new { platform = "woocommerce", name = "W" })).StatusCode);
    }
}
