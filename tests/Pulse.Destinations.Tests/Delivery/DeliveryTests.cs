using System.Net;
using System.Text.Json;
using Pulse.Platform.Webhooks;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.Destinations.Tests.Delivery;

/// <summary>Events from the log reach real HTTP destinations (local stand-ins), through failures, refusals, consent changes and replays.</summary>
public sealed class DeliveryTests(DeliveryFixture fixture) : IClassFixture<DeliveryFixture>
{
    private const string BuyerEmailSha = "6a6c26195c3682faa816966af789717c3bfa834eee6c599d667d2b3429c27cfd"; // sha256("buyer@example.com")
    private const string BuyerPhoneSha = "a9e90a53df41a976bf8e365b5eadb5db593fd0f79db2370a36064f87da357128"; // sha256("48600100200")

    private static IEnumerable<object> Orders(string prefix, int count, string user = "u1") =>
        Enumerable.Range(0, count).Select(i => Shop.Order($"{prefix}-{i}", user));

    private static object MetaConfig(MetaCapiServer meta, string? token = null, object? extra = null) => new Dictionary<string, object?>
    {
        ["baseUrl"] = meta.BaseUrl.ToString(),
        ["pixelId"] = meta.PixelId,
        ["accessToken"] = token ?? meta.AccessToken,
    };

    [Fact]
    public async Task Webhook_GetsSignedBatchesWithinItsSize_WithoutThePiiItMayNotReceive()
    {
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "Partner", new { url = hook.Url.ToString(), batchSize = 50, headers = new Dictionary<string, string> { ["X-Partner"] = "p-1" } });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var id = created.GetProperty("id").GetString();
        await shop.SendAsync(Orders("wh", 120));

        await Shop.EventuallyAsync(() => hook.Messages.Select(m => m.GetProperty("messageId").GetString()).Distinct().Count() == 120, "120 events at the webhook");
        Assert.Equal(0, hook.RefusedSignatures);
        Assert.All(hook.Accepted, d => Assert.InRange(d.Json.GetProperty("batch").GetArrayLength(), 1, 50));
        Assert.All(hook.Accepted, d => Assert.Equal("p-1", d.Headers["X-Partner"]));
        var body = string.Join("\n", hook.Accepted.Select(d => d.Body));
        Assert.DoesNotContain("buyer@example.com", body, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("600 100 200", body, StringComparison.Ordinal);
        Assert.DoesNotContain("203.0.113.7", body, StringComparison.Ordinal);
        Assert.Contains("Order Completed", body, StringComparison.Ordinal);

        // The delivery log shows the requests, and which one carried a given event.
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/deliveries?messageId=wh-7")).GetProperty("items").GetArrayLength() == 1,
            "the attempt that carried wh-7 in the delivery log");
        var attempt = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/deliveries?messageId=wh-7")).GetProperty("items")[0];
        Assert.Equal("delivered", attempt.GetProperty("outcome").GetString());
        Assert.Equal(200, attempt.GetProperty("status").GetInt32());
        Assert.Equal("live", attempt.GetProperty("kind").GetString());
        var status = await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/status");
        Assert.Equal("running", status.GetProperty("state").GetString());
        Assert.Equal("closed", status.GetProperty("circuit").GetString());
    }

    [Fact]
    public async Task Webhook_SingleFormat_SendsOneMessagePerRequest_WithItsIdAsIdempotencyKey()
    {
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "One by one", new { url = hook.Url.ToString(), format = "single", pii = new[] { "email" } });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        await shop.SendAsync(Orders("single", 5));
        await Shop.EventuallyAsync(() => hook.Accepted.Count == 5, "5 single deliveries");
        Assert.All(hook.Accepted, d => Assert.Equal(d.Json.GetProperty("messageId").GetString(), d.Headers["Idempotency-Key"]));
        // E-mail is on its allow-list, the IP is not.
        Assert.All(hook.Accepted, d => Assert.Equal("Buyer@Example.com ", d.Json.GetProperty("context").GetProperty("traits").GetProperty("email").GetString()));
        Assert.All(hook.Accepted, d => Assert.False(d.Json.GetProperty("context").TryGetProperty("ip", out _)));
    }

    [Fact]
    public async Task FailingPlatform_RetriesThrough500sAnd429s_LosesNothing_WhileAHealthyDestinationKeepsItsPace()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        // Meta answers 500s, then 429s, then stays down until the healthy webhook has everything.
        meta.FailNext(4, HttpStatusCode.InternalServerError);
        meta.FailNext(3, HttpStatusCode.TooManyRequests, retryAfterSeconds: 2);
        meta.Down();
        var metaId = (await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta))).GetProperty("id").GetString();
        var created = await shop.CreateRunningAsync("webhook", "Healthy", new { url = hook.Url.ToString(), batchSize = 100 });
        hook.Secret = created.GetProperty("signingSecret").GetString();

        await shop.SendAsync(Orders("fail", 300));
        // The healthy destination finishes while the failing one is still refused: a failing destination holds only its own queue.
        await Shop.EventuallyAsync(() => hook.Messages.Count >= 300, "the healthy webhook to get all 300 while Meta is down");
        await Shop.EventuallyAsync(() => meta.FailuresAnswered >= 7, "Meta's 500s and 429s answered");
        Assert.Empty(meta.Accepted);
        meta.Up();

        await Shop.EventuallyAsync(() => meta.Events.Select(e => e["event_id"]!.GetValue<string>()).Distinct().Count() == 300, "all 300 events at Meta", seconds: 60);
        Assert.All(meta.Accepted, r => Assert.InRange(r["data"]!.AsArray().Count, 1, MetaCapiServer.MaxEvents));
        var ids = meta.Events.Select(e => e["event_id"]!.GetValue<string>()).ToHashSet();
        Assert.True(Enumerable.Range(0, 300).All(i => ids.Contains($"fail-{i}")));
        Assert.Empty(meta.Refused);

        // The delivery log (written a few times a second) has the failures with their statuses and the delivery after them.
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{metaId}/deliveries?outcome=delivered")).GetProperty("items").GetArrayLength() > 0,
            "the delivery in the log");
        var log = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{metaId}/deliveries?limit=200")).GetProperty("items").EnumerateArray().ToList();
        Assert.Contains(log, a => a.GetProperty("outcome").GetString() == "failed" && a.GetProperty("status").GetInt32() == 500);
        Assert.Contains(log, a => a.GetProperty("outcome").GetString() == "failed" && a.GetProperty("status").GetInt32() == 429);
        Assert.Contains(log, a => a.GetProperty("outcome").GetString() == "delivered");
        Assert.Empty((await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{metaId}/dead-letters")).GetProperty("items").EnumerateArray());
    }

    [Fact]
    public async Task Meta_GetsHashedCustomerFields_PlainClickAndBrowserIds_AndTheMessageIdAsEventId()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta));
        await shop.SendAsync([Shop.Order("m-1", "customer-42")]);
        await Shop.EventuallyAsync(() => meta.Events.Count == 1, "the event at Meta");
        var e = meta.Events[0];
        Assert.Equal("Purchase", e["event_name"]!.GetValue<string>());
        Assert.Equal("m-1", e["event_id"]!.GetValue<string>());
        Assert.Equal("website", e["action_source"]!.GetValue<string>());
        Assert.Equal("https://shop.example/thanks?fbclid=IwAR2F4-dbP0l7Mn1", e["event_source_url"]!.GetValue<string>());
        var user = e["user_data"]!.AsObject();
        Assert.Equal(BuyerEmailSha, user["em"]![0]!.GetValue<string>());
        Assert.Equal(BuyerPhoneSha, user["ph"]![0]!.GetValue<string>());
        // The IP as Pulse keeps it: the workspace's default IP mode drops the last octet before anything is stored.
        Assert.Equal("203.0.113.0", user["client_ip_address"]!.GetValue<string>());
        Assert.Equal("Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0", user["client_user_agent"]!.GetValue<string>());
        Assert.Matches("^fb\\.1\\.[0-9]{13}\\.IwAR2F4-dbP0l7Mn1$", user["fbc"]!.GetValue<string>());
        var custom = e["custom_data"]!.AsObject();
        Assert.Equal(30.5, custom["value"]!.GetValue<double>());
        Assert.Equal("eur", custom["currency"]!.GetValue<string>());
        Assert.Equal("sku-1", custom["content_ids"]![0]!.GetValue<string>());
    }

    [Fact]
    public async Task StaleEvent_IsDeadLetteredAlone_AndTheRestOfItsBatchIsDelivered()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        var id = (await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta))).GetProperty("id").GetString();
        var old = TimeProvider.System.GetUtcNow().AddDays(-8);
        await shop.SendAsync([Shop.Order("fresh-1", "u1"), Shop.Order("stale-1", "u1", old), Shop.Order("fresh-2", "u1")]);
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").GetArrayLength() == 1, "the stale event dead-lettered");
        await Shop.EventuallyAsync(() => meta.Events.Count == 2, "the two fresh events at Meta");
        Assert.Empty(meta.Refused);
        var dead = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items")[0];
        Assert.Equal("stale-1", dead.GetProperty("messageId").GetString());
        Assert.Contains("7 days", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefusedBatch_IsDeadLetteredWithThePlatformsMessage_AndARedriveAfterTheFixDeliversIt()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        var id = (await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta, token: "EAAwrong"))).GetProperty("id").GetString();
        await shop.SendAsync(Orders("bad-token", 3));
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").GetArrayLength() == 3, "3 dead letters");
        var dead = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items")[0];
        Assert.Contains("Invalid OAuth access token", dead.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, dead.GetProperty("status").GetInt32());
        Assert.Equal("dead", dead.GetProperty("state").GetString());
        Assert.Empty(meta.Events);

        // Asking without saying which is refused; the fix (the right token), then all of them again.
        await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/dead-letters/redrive", new { }, HttpStatusCode.BadRequest);
        // Sent again before the fix: refused again, dead again, and the try is counted.
        await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/dead-letters/redrive", new { all = true });
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters")).GetProperty("items").EnumerateArray()
            .Count(d => d.GetProperty("state").GetString() == "dead" && d.GetProperty("redrives").GetInt32() == 1) == 3, "3 dead letters refused again, each tried once more");
        Assert.Empty(meta.Events);
        await shop.CallAsync(HttpMethod.Patch, $"/api/v1/destinations/{id}", new { config = MetaConfig(meta) });
        var queued = await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/dead-letters/redrive", new { all = true });
        Assert.Equal(3, queued.GetProperty("queued").GetInt32());
        await Shop.EventuallyAsync(() => meta.Events.Count == 3, "the 3 events at Meta after the redrive");
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters?state=redelivered")).GetProperty("items").GetArrayLength() == 3,
            "the dead letters marked redelivered");
        Assert.All((await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/dead-letters?state=redelivered")).GetProperty("items").EnumerateArray(),
            d => Assert.Equal(2, d.GetProperty("redrives").GetInt32()));
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/deliveries?outcome=rejected")).GetProperty("items").GetArrayLength() >= 1,
            "the refused request in the delivery log");
    }

    [Fact]
    public async Task PersonWhoOptedOutAfterTheEventWasQueued_IsNotSent()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        // Meta is down until the person has opted out, so the events wait in the destination's queue meanwhile.
        meta.Down();
        var id = (await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta))).GetProperty("id").GetString()!;
        await shop.SendAsync([Shop.Order("keep-1", "stays"), Shop.Order("drop-1", "leaves")]);
        await Shop.EventuallyAsync(() => meta.FailuresAnswered >= 1, "a first attempt, refused while Meta is down");
        await Shop.EventuallyAsync(async () => (await shop.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/leaves", shop.Key)).StatusCode == HttpStatusCode.OK, "the profile of 'leaves'");
        await shop.CallAsync(HttpMethod.Post, "/api/v1/profiles/leaves/consent", new { optOut = true });
        meta.Up();

        await shop.DrainedAsync(id);
        Assert.Equal(["keep-1"], meta.Events.Select(e => e["event_id"]!.GetValue<string>()).ToArray());
    }

    [Fact]
    public async Task ConsentKeptBetweenBatches_IsForgottenWhenAPersonOptsOut_OrTheirDeviceJoinsSomeoneWhoDid()
    {
        // A webhook without personal fields keeps people's consent between batches: an opt-out, or a
        // device id joining a person who opted out, must still stop what comes after.
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "Partner", new { url = hook.Url.ToString(), batchSize = 10 });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var id = created.GetProperty("id").GetString()!;
        string[] Delivered() => hook.Messages.Select(m => m.GetProperty("messageId").GetString()!).ToArray();
        object Seen(string messageId, string anonymousId) => new { type = "page", messageId, anonymousId, name = "Home" };

        await shop.SendAsync([Shop.Order("ann-1", "ann"), Seen("dev-1", "dev-x")]);
        await Shop.EventuallyAsync(() => Delivered().Length == 2, "ann's first order and the device's page view");
        await Shop.EventuallyAsync(async () => (await shop.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/ann", shop.Key)).StatusCode == HttpStatusCode.OK, "ann's profile");
        await shop.CallAsync(HttpMethod.Post, "/api/v1/profiles/ann/consent", new { optOut = true });
        await shop.SendAsync([Shop.Order("ann-2", "ann"), Shop.Order("bob-1", "bob")]);
        await Shop.EventuallyAsync(() => Delivered().Contains("bob-1"), "bob's order, sent after ann's");

        // The device logs in as ann: from then on its anonymous events are hers, and she opted out.
        await shop.SendAsync([new { type = "identify", messageId = "login-1", anonymousId = "dev-x", userId = "ann" }]);
        await Shop.EventuallyAsync(async () =>
        {
            var profile = await shop.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/dev-x", shop.Key);
            return profile.StatusCode == HttpStatusCode.OK
                && JsonDocument.Parse(await profile.Content.ReadAsStringAsync()).RootElement.GetProperty("userId").GetString() == "ann";
        }, "the device joined to ann");
        await shop.SendAsync([Seen("dev-2", "dev-x"), Shop.Order("bob-2", "bob")]);
        await Shop.EventuallyAsync(() => Delivered().Contains("bob-2"), "bob's second order, sent after the device's page view");
        await shop.DrainedAsync(id);
        Assert.Equal(["ann-1", "bob-1", "bob-2", "dev-1"], Delivered().Order(StringComparer.Ordinal).ToArray());
    }

    [Fact]
    public async Task Replay_BackfillsANewDestinationWithEarlierEvents()
    {
        var shop = await fixture.ShopAsync();
        var from = TimeProvider.System.GetUtcNow().AddMinutes(-1);
        await shop.SendAsync(Orders("early", 30));
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "Late partner", new { url = hook.Url.ToString(), batchSize = 100 });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var id = created.GetProperty("id").GetString()!;
        await shop.DrainedAsync(id);
        Assert.Empty(hook.Accepted); // a new destination gets what arrives from now on: its worker is past the log's head and sent nothing

        await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/replays", new { from = from.AddHours(1) }, HttpStatusCode.BadRequest);
        var replay = await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/replays", new { from }, HttpStatusCode.Accepted);
        Assert.Equal("queued", replay.GetProperty("state").GetString());
        await Shop.EventuallyAsync(() => hook.Messages.Count == 30, "30 replayed events");
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/replays"))[0].GetProperty("state").GetString() == "done", "the replay done");
        var done = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/replays"))[0];
        Assert.Equal(30, done.GetProperty("sent").GetInt64());
        Assert.Equal(1.0, done.GetProperty("progress").GetDouble());
    }

    [Fact]
    public async Task TestEvent_ReachesThePlatformWithTheTestCode_AndShowsItsAnswer()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        var config = new Dictionary<string, object?> { ["baseUrl"] = meta.BaseUrl.ToString(), ["pixelId"] = meta.PixelId, ["accessToken"] = meta.AccessToken, ["testEventCode"] = "TEST4242" };
        var id = (await shop.CreateAsync("meta", "Meta", config)).GetProperty("id").GetString();
        var result = await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/test");
        Assert.Equal("delivered", result.GetProperty("outcome").GetString());
        Assert.Equal(200, result.GetProperty("status").GetInt32());
        Assert.Contains("events_received", result.GetProperty("response").GetString(), StringComparison.Ordinal);
        Assert.Equal("TEST4242", meta.Accepted.Single()["test_event_code"]!.GetValue<string>());
        Assert.Equal("973dfe463ec85785f5f95af5ba3906eedb2d931c24e69824a89ea65dba4e813b", meta.Events.Single()["user_data"]!["em"]![0]!.GetValue<string>());

        // The config as GET shows it (token masked) sent back with a change keeps the saved token.
        var shown = await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}");
        var edited = System.Text.Json.Nodes.JsonNode.Parse(shown.GetProperty("config").GetRawText())!.AsObject();
        Assert.StartsWith("••••", edited["accessToken"]!.GetValue<string>(), StringComparison.Ordinal);
        edited["testEventCode"] = "TEST5353";
        await shop.CallAsync(HttpMethod.Patch, $"/api/v1/destinations/{id}", new { config = edited });
        Assert.Equal("delivered", (await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/test")).GetProperty("outcome").GetString());
        Assert.Equal("TEST5353", meta.Accepted[^1]["test_event_code"]!.GetValue<string>());

        // A wrong token: the platform's refusal is shown as it came.
        await shop.CallAsync(HttpMethod.Patch, $"/api/v1/destinations/{id}", new { config = new Dictionary<string, object?> { ["baseUrl"] = meta.BaseUrl.ToString(), ["pixelId"] = meta.PixelId, ["accessToken"] = "EAAnope" } });
        var refused = await shop.CallAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/test");
        Assert.Equal("rejected", refused.GetProperty("outcome").GetString());
        Assert.Contains("Invalid OAuth access token", refused.GetProperty("response").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailingDestination_RaisesAnErrorAlert_ClearedWhenItRecovers()
    {
        var shop = await fixture.ShopAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        meta.FailNext(10, HttpStatusCode.BadGateway);
        var id = (await shop.CreateRunningAsync("meta", "Meta ads", MetaConfig(meta))).GetProperty("id").GetString();
        await shop.SendAsync(Orders("alert", 5));

        async Task<JsonElement?> AlertAsync(string state)
        {
            var items = (await shop.CallAsync(HttpMethod.Get, $"/api/v1/alerts?state={state}")).GetProperty("items").EnumerateArray();
            return items.Where(a => a.GetProperty("kind").GetString() == "destinations.errors" && a.GetProperty("key").GetString() == $"destination:{id}:errors")
                .Select(a => (JsonElement?)a).FirstOrDefault();
        }
        await Shop.EventuallyAsync(async () => await AlertAsync("open") is not null, "an open destinations.errors alert");
        var open = (await AlertAsync("open"))!.Value;
        Assert.Contains("Meta ads", open.GetProperty("title").GetString(), StringComparison.Ordinal);
        Assert.Contains("HTTP 502", open.GetProperty("detail").GetString(), StringComparison.Ordinal);

        await Shop.EventuallyAsync(() => meta.Events.Count == 5, "the events at Meta once it recovers");
        await shop.SendAsync(Orders("alert-after", 3));
        await Shop.EventuallyAsync(async () => await AlertAsync("cleared") is not null, "the alert cleared after recovery");
    }

    [Fact]
    public async Task Erasure_SendsWebhooksASignedDelete_DropsTheDeadLetters_AndRecordsWhatEachDestinationCouldDo()
    {
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        await using var meta = await MetaCapiServer.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "CRM", new { url = hook.Url.ToString() });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var metaId = (await shop.CreateRunningAsync("meta", "Meta", MetaConfig(meta))).GetProperty("id").GetString();
        var stale = Shop.Order("erase-old", "leaving", TimeProvider.System.GetUtcNow().AddDays(-9));
        await shop.SendAsync([Shop.Order("erase-1", "leaving"), stale]);
        await Shop.EventuallyAsync(() => hook.Messages.Count == 2, "the events at the webhook");
        await Shop.EventuallyAsync(async () => (await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{metaId}/dead-letters")).GetProperty("items").GetArrayLength() == 1, "the stale event dead-lettered at Meta");
        await Shop.EventuallyAsync(async () => (await shop.Server.SendAsync(HttpMethod.Get, "/api/v1/profiles/leaving", shop.Key)).StatusCode == HttpStatusCode.OK, "the profile");

        var erasure = await shop.CallAsync(HttpMethod.Delete, "/api/v1/profiles/leaving");
        Assert.Equal(1, erasure.GetProperty("steps").GetProperty("destinations").GetInt64());
        var delete = hook.Accepted.Single(d => d.Json.TryGetProperty("type", out var t) && t.GetString() == "delete");
        Assert.Equal(0, hook.RefusedSignatures);
        Assert.Contains("leaving", delete.Json.GetProperty("userIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Contains("anon-leaving", delete.Json.GetProperty("anonymousIds").EnumerateArray().Select(x => x.GetString()));
        Assert.Empty((await shop.CallAsync(HttpMethod.Get, $"/api/v1/destinations/{metaId}/dead-letters")).GetProperty("items").EnumerateArray());

        var records = (await shop.CallAsync(HttpMethod.Get, "/api/v1/destinations/erasures")).GetProperty("items").EnumerateArray().ToList();
        Assert.Equal("sent", records.Single(r => r.GetProperty("type").GetString() == "webhook").GetProperty("outcome").GetString());
        var metaRecord = records.Single(r => r.GetProperty("type").GetString() == "meta");
        Assert.Equal("unsupported", metaRecord.GetProperty("outcome").GetString());
        Assert.Contains("documents no deletion", metaRecord.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("leaving", string.Join(",", records.Select(r => r.GetRawText())), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PropertyConditions_SendOnlyTheEventsThatMeetThem()
    {
        var shop = await fixture.ShopAsync();
        await using var hook = await WebhookReceiver.StartAsync();
        var created = await shop.CreateRunningAsync("webhook", "Big orders", new
        {
            url = hook.Url.ToString(),
            conditions = new object[] { new { path = "properties.revenue", op = "gte", value = 100 } },
        });
        hook.Secret = created.GetProperty("signingSecret").GetString();
        var id = created.GetProperty("id").GetString()!;
        var small = Shop.Order("small", "u1");
        var big = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(Shop.Order("big", "u1")))!.AsObject();
        big["properties"]!["revenue"] = 250;
        await shop.SendAsync([small, big, Shop.Order("small-2", "u1")]);
        await shop.DrainedAsync(id);
        Assert.Equal(["big"], hook.Messages.Select(m => m.GetProperty("messageId").GetString()!).ToArray());
    }
}
