using System.Net;
using System.Text.Json;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.Destinations.Tests.Delivery;

/// <summary>TikTok, LinkedIn and GA4 destinations deliver real ingested events to local stand-ins that enforce each platform's documented format.</summary>
public sealed class PlatformConnectorTests(DeliveryFixture fixture) : IClassFixture<DeliveryFixture>
{
    private const string BuyerEmailSha = "6a6c26195c3682faa816966af789717c3bfa834eee6c599d667d2b3429c27cfd"; // sha256("buyer@example.com")
    private const string BuyerPhoneSha = "a9e90a53df41a976bf8e365b5eadb5db593fd0f79db2370a36064f87da357128"; // sha256("48600100200")

    private static object WithPage(object order, string url)
    {
        var node = JsonSerializer.SerializeToNode(order)!.AsObject();
        node["context"]!["page"]!["url"] = url;
        return node;
    }

    [Fact]
    public async Task TikTok_GetsHashedContactsAndThePlainClickId_ThroughAThrottle()
    {
        var shop = await fixture.ShopAsync();
        await using var tiktok = await TikTokEventsServer.StartAsync();
        tiktok.FailNext(2, HttpStatusCode.TooManyRequests);
        await shop.CreateRunningAsync("tiktok", "TikTok", new Dictionary<string, object?>
        {
            ["baseUrl"] = tiktok.BaseUrl.ToString(), ["pixelCode"] = tiktok.PixelCode, ["accessToken"] = tiktok.AccessToken,
        });
        await shop.SendAsync([WithPage(Shop.Order("tt-1", "buyer-1"), "https://shop.example/thanks?ttclid=E.C.P.abc123")]);
        await Shop.EventuallyAsync(() => tiktok.Events.Count == 1, "the event at TikTok");
        Assert.Empty(tiktok.Refused);
        var e = tiktok.Events[0];
        Assert.Equal("Purchase", e["event"]!.GetValue<string>());
        Assert.Equal("tt-1", e["event_id"]!.GetValue<string>());
        var user = e["user"]!.AsObject();
        Assert.Equal(BuyerEmailSha, user["email"]!.GetValue<string>());
        Assert.Equal(BuyerPhoneSha, user["phone"]!.GetValue<string>());
        Assert.Equal("E.C.P.abc123", user["ttclid"]!.GetValue<string>());
        Assert.Equal("EUR", e["properties"]!["currency"]!.GetValue<string>());
        Assert.Equal("sku-1", e["properties"]!["contents"]![0]!["content_id"]!.GetValue<string>());
    }

    [Fact]
    public async Task TikTok_WrongToken_IsDeadLetteredWithTikToksCode()
    {
        var shop = await fixture.ShopAsync();
        await using var tiktok = await TikTokEventsServer.StartAsync();
        var id = (await shop.CreateRunningAsync("tiktok", "TikTok", new Dictionary<string, object?>
        {
            ["baseUrl"] = tiktok.BaseUrl.ToString(), ["pixelCode"] = tiktok.PixelCode, ["accessToken"] = "revoked",
        })).GetProperty("id").GetString();
        await shop.SendAsync([Shop.Order("tt-bad", "u")]);
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").GetArrayLength() == 1, "the dead letter");
        var dead = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items")[0];
        Assert.Contains("40105", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task LinkedIn_GetsEachEventAsItsConversionRule_WithHashedEmailAndTheClickId_AndUnmatchablePeopleAreDeadLettered()
    {
        var shop = await fixture.ShopAsync();
        await using var linkedin = await LinkedInConversionsServer.StartAsync();
        var id = (await shop.CreateRunningAsync("linkedin", "LinkedIn", new Dictionary<string, object?>
        {
            ["baseUrl"] = linkedin.BaseUrl.ToString(), ["accessToken"] = linkedin.AccessToken, ["version"] = "202610",
            ["mappings"] = new[] { new { @event = "Order Completed", to = "urn:lla:llaPartnerConversion:4242" } },
        })).GetProperty("id").GetString();
        var anonymous = JsonSerializer.SerializeToNode(Shop.Order("li-nobody", "nobody"))!.AsObject();
        anonymous["context"]!.AsObject().Remove("traits");
        await shop.SendAsync([WithPage(Shop.Order("li-1", "buyer-1"), "https://shop.example/thanks?li_fat_id=df5gf5-gh6t7"), anonymous]);
        await Shop.EventuallyAsync(() => linkedin.Elements.Count == 1, "the conversion at LinkedIn");
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").GetArrayLength() == 1, "the unmatchable event dead-lettered");
        Assert.Empty(linkedin.Refused);
        var e = linkedin.Elements[0];
        Assert.Equal("urn:lla:llaPartnerConversion:4242", e["conversion"]!.GetValue<string>());
        Assert.Equal("li-1", e["eventId"]!.GetValue<string>());
        Assert.Equal("30.5", e["conversionValue"]!["amount"]!.GetValue<string>());
        var ids = e["user"]!["userIds"]!.AsArray().Select(x => (x!["idType"]!.GetValue<string>(), x["idValue"]!.GetValue<string>())).ToList();
        Assert.Contains(("SHA256_EMAIL", BuyerEmailSha), ids);
        Assert.Contains(("LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID", "df5gf5-gh6t7"), ids);
        var dead = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items")[0];
        Assert.Equal("li-nobody", dead.GetProperty("messageId").GetString());
        Assert.Contains("cannot match", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ga4_SendsOneVisitorPerRequest_AtMost25Events_NothingGa4WouldDrop()
    {
        var shop = await fixture.ShopAsync();
        await using var ga4 = await Ga4MeasurementServer.StartAsync();
        var id = await CreateGa4Async(shop, ga4);
        var events = Enumerable.Range(0, 30).Select(i => Shop.Order($"ga-a-{i}", "alice"))
            .Concat(Enumerable.Range(0, 3).Select(i => Shop.Order($"ga-b-{i}", "bob")));
        await shop.SendAsync(events);
        await Shop.EventuallyAsync(() => ga4.Events.Count == 33, "33 events at GA4");
        Assert.Empty(ga4.Dropped);
        Assert.All(ga4.Accepted, r => Assert.InRange(r["events"]!.AsArray().Count, 1, 25));
        Assert.Equal(30, ga4.Events.Count(e => e.ClientId == "anon-alice"));
        Assert.Equal(3, ga4.Events.Count(e => e.ClientId == "anon-bob"));
        var purchase = ga4.Events.First(e => e.ClientId == "anon-bob").Event;
        Assert.Equal("purchase", purchase["name"]!.GetValue<string>());
        var ps = purchase["params"]!.AsObject();
        Assert.StartsWith("o-ga-b-", ps["transaction_id"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Equal("EUR", ps["currency"]!.GetValue<string>());
        Assert.Equal("sku-1", ps["items"]![0]!["item_id"]!.GetValue<string>());
        Assert.Equal("bob", ga4.Accepted.First(r => r["client_id"]!.GetValue<string>() == "anon-bob")["user_id"]!.GetValue<string>());

        // The test event goes to the validation server, which finds nothing wrong.
        var test = await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/test");
        Assert.Equal("delivered", test.GetProperty("outcome").GetString());
        Assert.Contains("validationMessages", test.GetProperty("response").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ga4_EventOlderThan72Hours_IsDeadLetteredNotSent()
    {
        var shop = await fixture.ShopAsync();
        await using var ga4 = await Ga4MeasurementServer.StartAsync();
        var id = await CreateGa4Async(shop, ga4);
        await shop.SendAsync([Shop.Order("ga-old", "carol", TimeProvider.System.GetUtcNow().AddHours(-80)), Shop.Order("ga-new", "carol")]);
        await Shop.EventuallyAsync(() => ga4.Events.Count == 1, "the fresh event at GA4");
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").GetArrayLength() == 1, "the old event dead-lettered");
        Assert.Empty(ga4.Dropped);
        var dead = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items")[0];
        Assert.Contains("72 hours", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static async Task<string?> CreateGa4Async(Shop shop, Ga4MeasurementServer ga4) =>
        (await shop.CreateRunningAsync("ga4", "GA4", new Dictionary<string, object?>
        {
            ["baseUrl"] = ga4.BaseUrl.ToString(), ["measurementId"] = ga4.MeasurementId, ["apiSecret"] = ga4.ApiSecret,
        })).GetProperty("id").GetString();
}
