using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Ingest;

public sealed class IngestApiTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

    [Fact]
    public async Task Track_IsStoredWithEnrichment_AndListedByTheEventsApi()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", $$$"""
            {"userId":"user-1","event":"Order Completed","messageId":"m-1","properties":{"revenue":99.5,"currency":"PLN"},
             "context":{"ip":"83.12.34.56","userAgent":"{{{Iphone}}}",
               "page":{"url":"https://shop.example/p/1?utm_source=instagram&utm_medium=social&utm_campaign=bf&fbclid=FB1","referrer":"https://l.instagram.com/"}
             }
            }
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.True(body.GetProperty("success").GetBoolean());

        var e = Assert.Single((await t.EventsAsync()).EnumerateArray());
        Assert.Equal("m-1", e.GetProperty("messageId").GetString());
        Assert.Equal("track", e.GetProperty("type").GetString());
        Assert.Equal("Order Completed", e.GetProperty("event").GetString());
        Assert.Equal("user-1", e.GetProperty("userId").GetString());
        var x = e.GetProperty("enrichment");
        Assert.Equal("instagram", x.GetProperty("utmSource").GetString());
        Assert.Equal("bf", x.GetProperty("utmCampaign").GetString());
        Assert.Equal("FB1", x.GetProperty("fbclid").GetString());
        Assert.Equal("social", x.GetProperty("referrerType").GetString());
        Assert.Equal("Instagram", x.GetProperty("referrerName").GetString());
        Assert.Equal("shop.example", x.GetProperty("pageHost").GetString());
        Assert.Equal("/p/1", x.GetProperty("pagePath").GetString());
        Assert.Equal("Mobile Safari", x.GetProperty("browser").GetString());
        Assert.Equal("iOS", x.GetProperty("os").GetString());
        Assert.Equal("mobile", x.GetProperty("deviceType").GetString());
        Assert.Equal("83.12.34.0", x.GetProperty("ip").GetString()); // truncated by default
        Assert.Equal(99.5, e.GetProperty("message").GetProperty("properties").GetProperty("revenue").GetDouble());
    }

    [Fact]
    public async Task WriteKey_InBodyOrPerBatchItem_IsAccepted()
    {
        var t = await fixture.TenantAsync();
        var (res, _) = await t.IngestAsync("/v1/identify", $$$"""{"writeKey":"{{{t.WriteKey}}}","userId":"u","traits":{"plan":"pro"}}""", basic: false);
        TestData.AssertStatus(HttpStatusCode.OK, res);
        (res, _) = await t.IngestAsync("/v1/b", $$$"""{"batch":[{"writeKey":"{{{t.WriteKey}}}","type":"page","anonymousId":"a","name":"Home"}]}""", basic: false);
        TestData.AssertStatus(HttpStatusCode.OK, res);
        Assert.Equal(2, (await t.EventsAsync()).GetArrayLength());
    }

    [Fact]
    public async Task Batch_KeepsValidEvents_AndListsEachRejectedOneWithItsReason()
    {
        var t = await fixture.TenantAsync();
        var longName = new string('x', 10_000);
        var (res, body) = await t.IngestAsync("/v1/batch", $$$"""
            {"batch":[
              {"type":"track","userId":"u1","event":"Signed Up"},
              {"type":"track","userId":"u1"},
              {"type":"alias","userId":"u1"},
              {"type":"track","anonymousId":"undefined","event":"X"},
              {"type":"track","userId":"u1","event":"{{{longName}}}"},
              {"type":"track","userId":"u1","event":"Old","timestamp":"0001-01-01T00:00:00Z"},
              {"type":"track","userId":"u1","event":"Future","timestamp":"9999-12-31T23:59:59Z"},
              {"type":"boom","userId":"u1"},
              {"type":"group","userId":"u1"},
              {"type":"identify","userId":"u2","traits":{"bio":"<script>alert(1)</script>"}}
            ]}
            """);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal(2, body.GetProperty("accepted").GetInt32());
        var rejected = body.GetProperty("rejected").EnumerateArray().ToDictionary(r => r.GetProperty("index").GetInt32(), r => r.GetProperty("reason").GetString()!);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8], rejected.Keys.Order().ToArray());
        Assert.Contains("event", rejected[1]);
        Assert.Contains("previousId", rejected[2]);
        Assert.Contains("placeholder", rejected[3]);
        Assert.Contains("10000 characters", rejected[4]);
        Assert.Contains("1970", rejected[5]);
        Assert.Contains("future", rejected[6]);
        Assert.Contains("type", rejected[7]);
        Assert.Contains("groupId", rejected[8]);

        var stored = await t.EventsAsync("?type=identify");
        Assert.Equal("<script>alert(1)</script>", stored[0].GetProperty("message").GetProperty("traits").GetProperty("bio").GetString());
    }

    [Fact]
    public async Task SingleInvalidMessage_Gets400WithTheReason()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", """{"event":"No one"}""");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res);
        Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        Assert.Contains("userId or anonymousId", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UnknownOrDisabledWriteKey_Gets401()
    {
        var t = await fixture.TenantAsync();
        var (res, _) = await t.IngestAsync("/v1/track", """{"writeKey":"wk_00000000000000000000000000000000","userId":"u","event":"e"}""", basic: false);
        TestData.AssertStatus(HttpStatusCode.Unauthorized, res);
        (res, _) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"e"}""", basic: false);
        TestData.AssertStatus(HttpStatusCode.Unauthorized, res);

        var patch = await fixture.Server.SendAsync(HttpMethod.Patch, $"/api/v1/sources/{t.SourceId}", t.ApiKey, new { enabled = false });
        TestData.AssertStatus(HttpStatusCode.OK, patch);
        var (disabled, body) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"e"}""");
        TestData.AssertStatus(HttpStatusCode.Unauthorized, disabled);
        Assert.Contains("disabled", body.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task WriteKey_IsRefusedByTheManagementApi()
    {
        var t = await fixture.TenantAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events", t.WriteKey);
        TestData.AssertStatus(HttpStatusCode.Unauthorized, res);
    }

    [Fact]
    public async Task DuplicateMessageId_IsAcknowledged_ButStoredOnce()
    {
        var t = await fixture.TenantAsync();
        for (var i = 0; i < 3; i++)
        {
            var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"Order Completed","messageId":"same-id"}""");
            TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
            Assert.Equal(i == 0 ? 0 : 1, body.GetProperty("duplicates").GetInt32());
        }
        Assert.Equal(1, (await t.EventsAsync()).GetArrayLength());
    }

    [Fact]
    public async Task GzipBody_IsAccepted_AndTruncatedGzip_Gets400()
    {
        var t = await fixture.TenantAsync();
        var json = Encoding.UTF8.GetBytes("""{"batch":[{"type":"track","userId":"u","event":"Zipped"}]}""");
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
            gz.Write(json);
        var zipped = ms.ToArray();

        var (ok, _) = await SendBytesAsync(t, zipped);
        TestData.AssertStatus(HttpStatusCode.OK, ok);
        var (bad, body) = await SendBytesAsync(t, zipped[..(zipped.Length / 2)]);
        TestData.AssertStatus(HttpStatusCode.BadRequest, bad, body);
        Assert.Single((await t.EventsAsync()).EnumerateArray());
    }

    private static async Task<(HttpResponseMessage, string)> SendBytesAsync(Tenant t, byte[] bytes)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new ByteArrayContent(bytes) };
        req.Content.Headers.ContentEncoding.Add("gzip");
        req.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(t.WriteKey + ":")));
        var res = await t.Client.SendAsync(req);
        return (res, await res.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task OversizeBody_Gets413_AndOversizeEvent_IsRejected()
    {
        var t = await fixture.TenantAsync(new { name = "Small", maxEventBytes = 2048, maxBatchBytes = 8192 });
        var big = new string('a', 9000);
        var (res, body) = await t.IngestAsync("/v1/track", $$$"""{"userId":"u","event":"e","properties":{"p":"{{{big}}}"}}""");
        TestData.AssertStatus(HttpStatusCode.RequestEntityTooLarge, res, body.ToString());
        var mid = new string('a', 3000);
        (res, body) = await t.IngestAsync("/v1/batch", $$$"""{"batch":[{"type":"track","userId":"u","event":"e","properties":{"p":"{{{mid}}}"}},{"type":"track","userId":"u","event":"ok"}]}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Contains("2048", body.GetProperty("rejected")[0].GetProperty("reason").GetString());
    }

    [Theory]
    [InlineData("{\"userId\":\"u\",\"event\":")]
    [InlineData("[1,2,3]")]
    [InlineData("{\"batch\":{}}")]
    [InlineData("{\"batch\":[]}")]
    public async Task MalformedBodies_Get400(string json)
    {
        var t = await fixture.TenantAsync();
        var path = json.Contains("batch", StringComparison.Ordinal) ? "/v1/batch" : "/v1/track";
        var (res, body) = await t.IngestAsync(path, json);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.False(string.IsNullOrEmpty(body.GetProperty("detail").GetString()));
    }

    [Fact]
    public async Task DeepNesting_AndInvalidUtf8_Get400()
    {
        var t = await fixture.TenantAsync();
        var deep = "{\"userId\":\"u\",\"event\":\"e\",\"properties\":" + string.Concat(Enumerable.Repeat("{\"a\":", 200)) + "1" + new string('}', 200) + "}";
        var (res, _) = await t.IngestAsync("/v1/track", deep);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res);

        var bytes = Encoding.UTF8.GetBytes("""{"userId":"u","event":"e","properties":{"s":"AB"}}""");
        var at = Array.IndexOf(bytes, (byte)'A');
        bytes[at] = 0xFF;
        bytes[at + 1] = 0xFE;
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/track") { Content = new ByteArrayContent(bytes) };
        req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(t.WriteKey + ":")));
        var utf = await t.Client.SendAsync(req);
        TestData.AssertStatus(HttpStatusCode.BadRequest, utf, await utf.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task NumbersOutOfRange_AreStoredAsWritten()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"e","properties":{"huge":1e400,"big":123456789012345678901234567890}}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var props = (await t.EventsAsync())[0].GetProperty("message").GetProperty("properties");
        Assert.Equal("1e400", props.GetProperty("huge").GetRawText());
        Assert.Equal("123456789012345678901234567890", props.GetProperty("big").GetRawText());
    }

    [Fact]
    public async Task ClockSkew_IsCorrectedFromSentAt()
    {
        var t = await fixture.TenantAsync();
        // The client's clock runs one hour ahead: it stamped the event 10 s before sending.
        var sent = DateTimeOffset.UtcNow.AddHours(1);
        var at = sent.AddSeconds(-10);
        var (res, _) = await t.IngestAsync("/v1/track", $$$"""{"userId":"u","event":"e","timestamp":"{{{at:O}}}","sentAt":"{{{sent:O}}}"}""");
        TestData.AssertStatus(HttpStatusCode.OK, res);
        var e = (await t.EventsAsync())[0];
        var stored = e.GetProperty("timestamp").GetDateTimeOffset();
        var received = e.GetProperty("receivedAt").GetDateTimeOffset();
        Assert.InRange((received - stored).TotalSeconds, 9.9, 10.1);
        Assert.Equal(at, e.GetProperty("message").GetProperty("originalTimestamp").GetDateTimeOffset());
    }

    [Fact]
    public async Task RateLimit_Answers429_WithRetryAfterAndRateLimitHeaders()
    {
        var t = await fixture.TenantAsync(new { name = "Limited", rateLimitPerSecond = 100 });
        // The bucket holds 500: 450 leave 50, and 300 more do not fit even if a second or two of
        // refill (100 a second) lands between the requests on a busy machine.
        string Batch(int n) => "{\"batch\":[" + string.Join(',', Enumerable.Range(0, n).Select(i => $$$"""{"type":"track","userId":"u","event":"e{{{i}}}"}""")) + "]}";
        var (first, _) = await t.IngestAsync("/v1/batch", Batch(450));
        TestData.AssertStatus(HttpStatusCode.OK, first);
        var (second, body) = await t.IngestAsync("/v1/batch", Batch(300));
        TestData.AssertStatus(HttpStatusCode.TooManyRequests, second, body.ToString());
        Assert.True(second.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        Assert.Equal("100", second.Headers.GetValues("RateLimit-Limit").Single());
        Assert.True(second.Headers.Contains("RateLimit-Remaining"));
        Assert.True(second.Headers.Contains("RateLimit-Reset"));
        Assert.Equal(450, await CountAsync(t));
    }

    private static async Task<int> CountAsync(Tenant t)
    {
        var n = 0;
        string? cursor = null;
        do
        {
            var res = await t.Fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events?limit=200" + (cursor is null ? "" : "&cursor=" + cursor), t.ApiKey);
            var body = await TestServer.JsonAsync(res);
            n += body.GetProperty("items").GetArrayLength();
            cursor = body.GetProperty("nextCursor").GetString();
        } while (cursor is not null);
        return n;
    }

    [Fact]
    public async Task BrowserOrigin_MustBeAllowedBySource()
    {
        var t = await fixture.TenantAsync(new { name = "Shop", allowedOrigins = new[] { "https://shop.example" } });
        var (ok, _) = await t.IngestAsync("/v1/t", """{"anonymousId":"a","event":"e"}""", customize: r => r.Headers.Add("Origin", "https://shop.example"));
        TestData.AssertStatus(HttpStatusCode.OK, ok);
        Assert.Equal("https://shop.example", ok.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var (bad, body) = await t.IngestAsync("/v1/t", """{"anonymousId":"a","event":"e"}""", customize: r => r.Headers.Add("Origin", "https://evil.example"));
        TestData.AssertStatus(HttpStatusCode.Forbidden, bad, body.ToString());
        Assert.False(bad.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Events_AreScopedToTheirWorkspace()
    {
        var a = await fixture.TenantAsync();
        var b = await fixture.TenantAsync();
        await a.IngestAsync("/v1/track", """{"userId":"u","event":"Only A"}""");
        Assert.Empty((await b.EventsAsync()).EnumerateArray());
        Assert.Single((await a.EventsAsync()).EnumerateArray());
        var foreign = await fixture.Server.SendAsync(HttpMethod.Get, $"/api/v1/events?source={a.SourceId}", b.ApiKey);
        TestData.AssertStatus(HttpStatusCode.NotFound, foreign);
    }

    [Fact]
    public async Task EventsApi_FiltersByEventTypeAndProfile()
    {
        var t = await fixture.TenantAsync();
        await t.IngestAsync("/v1/batch", """
            {"batch":[{"type":"track","userId":"ann","event":"Product Viewed"},{"type":"track","userId":"bob","event":"Product Viewed"},
                      {"type":"track","anonymousId":"anon-1","event":"Order Completed"},{"type":"page","userId":"ann","name":"Home"}]}
            """);
        Assert.Equal(2, (await t.EventsAsync("?event=Product%20Viewed")).GetArrayLength());
        Assert.Equal(2, (await t.EventsAsync("?profile=ann")).GetArrayLength());
        Assert.Single((await t.EventsAsync("?type=page")).EnumerateArray());
        var bad = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events?type=nope", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.BadRequest, bad);
        bad = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events?from=yesterday", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.BadRequest, bad);
    }

    [Fact]
    public async Task ServerKeepsServing_AfterGarbage()
    {
        var t = await fixture.TenantAsync();
        var rng = new Random(7);
        for (var i = 0; i < 50; i++)
        {
            var bytes = new byte[rng.Next(1, 400)];
            rng.NextBytes(bytes);
            using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new ByteArrayContent(bytes) };
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(t.WriteKey + ":")));
            var res = await t.Client.SendAsync(req);
            Assert.True((int)res.StatusCode is >= 400 and < 500, $"garbage got {(int)res.StatusCode}");
        }
        var (ok, _) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"still here"}""");
        TestData.AssertStatus(HttpStatusCode.OK, ok);
    }
}
