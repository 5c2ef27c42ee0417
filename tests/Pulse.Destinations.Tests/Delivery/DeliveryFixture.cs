using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Destinations.Tests.Delivery;

/// <summary>
/// One server for a class, delivering for real: loopback targets allowed (the stand-ins run on
/// 127.0.0.1), short retry delays and a fast look for new destinations so the tests do not wait
/// for production timings. Each test makes its own workspace.
/// </summary>
public sealed class DeliveryFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync(new()
    {
        ["Security:AllowPrivateNetworkTargets"] = "true",
        ["Destinations:RetryBaseDelay"] = "00:00:00.050",
        ["Destinations:RetryMaxDelay"] = "00:00:00.400",
        ["Destinations:BreakDuration"] = "00:00:00.500",
        ["Destinations:RefreshInterval"] = "00:00:00.200",
        ["Destinations:AlertCheckInterval"] = "00:00:00.500",
        ["Destinations:AlertMinimumRequests"] = "2",
        ["Collect:DuckDbMemoryLimit"] = "256MB",
    });

    public async Task DisposeAsync() => await Server.DisposeAsync();

    public async Task<Shop> ShopAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var res = await Server.SendAsync(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        return new Shop(Server, ws.Id, key, body.GetProperty("writeKey").GetString()!);
    }
}

/// <summary>A workspace with an Admin key and a source "Web".</summary>
public sealed record Shop(TestServer Server, Guid WorkspaceId, string Key, string WriteKey)
{
    /// <summary>Sends events through the Segment batch API and asserts they were all accepted.</summary>
    public async Task SendAsync(IEnumerable<object> messages)
    {
        foreach (var chunk in messages.Chunk(200))
        {
            using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
            {
                Content = new StringContent(JsonSerializer.Serialize(new { batch = chunk }), Encoding.UTF8, "application/json"),
            };
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(WriteKey + ":")));
            var res = await Server.Client.SendAsync(req);
            var text = await res.Content.ReadAsStringAsync();
            TestData.AssertStatus(HttpStatusCode.OK, res, text);
        }
    }

    /// <summary>An "Order Completed" a browser sent: page URL, user agent, IP, the buyer's e-mail.</summary>
    public static object Order(string messageId, string userId, DateTimeOffset? at = null, string email = "Buyer@Example.com ") => new
    {
        type = "track",
        @event = "Order Completed",
        messageId,
        userId,
        anonymousId = "anon-" + userId,
        timestamp = (at ?? TimeProvider.System.GetUtcNow()).ToString("O"),
        properties = new { order_id = "o-" + messageId, revenue = 30.5, currency = "EUR", products = new[] { new { product_id = "sku-1", quantity = 2, price = 15.25 } } },
        context = new
        {
            ip = "203.0.113.7",
            userAgent = "Mozilla/5.0 (X11; Linux x86_64) Firefox/133.0",
            page = new { url = "https://shop.example/thanks?fbclid=IwAR2F4-dbP0l7Mn1" },
            traits = new { email, phone = "+48 600 100 200" },
        },
    };

    public async Task<JsonElement> CallAsync(HttpMethod method, string path, object? json = null, HttpStatusCode expected = HttpStatusCode.OK)
    {
        var res = await Server.SendAsync(method, path, Key, json);
        var text = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, text);
        return text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> CreateAsync(string type, string name, object config, string[]? events = null)
    {
        var body = await CallAsync(HttpMethod.Post, "/api/v1/destinations", new { type, name, sources = new[] { "Web" }, events, config }, HttpStatusCode.Created);
        return body;
    }

    /// <summary>Creates a destination and waits until its worker runs, so that what the test sends next meets it delivering.</summary>
    public async Task<JsonElement> CreateRunningAsync(string type, string name, object config, string[]? events = null)
    {
        var body = await CreateAsync(type, name, config, events);
        await RunningAsync(body.GetProperty("id").GetString()!);
        return body;
    }

    /// <summary>Waits until the server delivers the destination (its worker has started; events from now on are its queue).</summary>
    public Task RunningAsync(string id) => EventuallyAsync(async () =>
        (await CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/status")).GetProperty("state").GetString() == "running", $"destination {id} running");

    /// <summary>Waits until the destination has finished everything up to the log's head as it is now (delivered, dead-lettered or refused by consent).</summary>
    public async Task DrainedAsync(string id, int seconds = 60)
    {
        var head = (await CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/status")).GetProperty("head").GetInt64();
        await EventuallyAsync(async () =>
        {
            var status = await CallAsync(HttpMethod.Get, $"/api/v1/destinations/{id}/status");
            return status.GetProperty("position").GetInt64() >= head && status.GetProperty("inFlight").GetInt32() == 0;
        }, $"destination {id} past position {head}", seconds);
    }

    /// <summary>Waits (at most <paramref name="seconds"/>) until <paramref name="done"/> holds, polling.</summary>
    public static Task EventuallyAsync(Func<bool> done, string what, int seconds = 30) =>
        Eventually.UntilAsync(done, TimeSpan.FromSeconds(seconds), () => what, pollMilliseconds: 50);

    public static Task EventuallyAsync(Func<Task<bool>> done, string what, int seconds = 30) =>
        Eventually.UntilAsync(done, TimeSpan.FromSeconds(seconds), () => what);
}
