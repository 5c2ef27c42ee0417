using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.Destinations.Tests.Platforms;

/// <summary>
/// The local Meta Conversions API the connector tests will send to: it must accept Meta's own
/// documented example and refuse what Meta documents as invalid, or connector tests could pass
/// against requests Meta would reject.
/// </summary>
public sealed class MetaCapiServerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _clock = new(Now);
    private MetaCapiServer _meta = null!;
    private readonly HttpClient _http = new();

    public async Task InitializeAsync() => _meta = await MetaCapiServer.StartAsync(_clock);

    public async Task DisposeAsync()
    {
        _http.Dispose();
        await _meta.DisposeAsync();
    }

    /// <summary>Meta's example request (using-the-api page), with the time moved to now.</summary>
    private static string Example(long eventTime, string extraUserData = "", string extraEvent = "") => $$"""
        {"data":[{
          "event_name":"Purchase","event_time":{{eventTime}},"action_source":"website",
          "event_source_url":"http://jaspers-market.com/product/123","event_id":"order-123"{{extraEvent}},
          "user_data":{
            "em":["309a0a5c3e211326ae75ca18196d301a9bdbd1a882a4d2569511033da23f0abd"],
            "ph":["254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4","6f4fcb9deaeadc8f9746ae76d97ce1239e98b404efe5da3ee0b7149740f89ad6"],
            "client_ip_address":"123.123.123.123","client_user_agent":"Mozilla/5.0",
            "fbc":"fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890","fbp":"fb.1.1558571054389.1098115397"{{extraUserData}}
          },
          "custom_data":{"currency":"usd","value":123.45,"contents":[{"id":"product123","quantity":1,"delivery_category":"home_delivery"}]}
        }],"test_event_code":"TEST12345"}
        """;

    private Task<HttpResponseMessage> PostAsync(string json, string? token = "EAAtest", string version = "v21.0") =>
        _http.PostAsync(new Uri(_meta.BaseUrl, $"/{version}/{_meta.PixelId}/events" + (token is null ? "" : "?access_token=" + token)),
            new StringContent(json, Encoding.UTF8, "application/json"));

    private static async Task<string> ErrorAsync(HttpResponseMessage res)
    {
        Assert.Equal(HttpStatusCode.BadRequest, res.StatusCode);
        var error = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        return error.GetProperty("code").GetInt32() + " " + error.GetProperty("message").GetString();
    }

    [Fact]
    public async Task MetasOwnExample_IsAccepted_AndRecorded()
    {
        var res = await PostAsync(Example(Now.AddMinutes(-5).ToUnixTimeSeconds()));
        var body = JsonDocument.Parse(await res.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
        Assert.Equal(1, body.GetProperty("events_received").GetInt32());
        Assert.StartsWith("A", body.GetProperty("fbtrace_id").GetString(), StringComparison.Ordinal);
        var e = Assert.Single(_meta.Events);
        Assert.Equal("order-123", e["event_id"]!.GetValue<string>());
        Assert.Equal("TEST12345", Assert.Single(_meta.Accepted)["test_event_code"]!.GetValue<string>());
    }

    [Fact]
    public async Task FormFields_AsInMetasCurlExample_AreAcceptedToo()
    {
        var data = JsonDocument.Parse(Example(Now.ToUnixTimeSeconds())).RootElement.GetProperty("data").GetRawText();
        var form = new FormUrlEncodedContent(new Dictionary<string, string> { ["data"] = data, ["access_token"] = "EAAtest" });
        var res = await _http.PostAsync(new Uri(_meta.BaseUrl, $"/v21.0/{_meta.PixelId}/events"), form);
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
    }

    [Fact]
    public async Task OneEventOlderThan7Days_FailsTheWholeRequest()
    {
        var fresh = JsonDocument.Parse(Example(Now.ToUnixTimeSeconds())).RootElement.GetProperty("data")[0].GetRawText();
        var stale = JsonDocument.Parse(Example(Now.AddDays(-7).AddMinutes(-1).ToUnixTimeSeconds())).RootElement.GetProperty("data")[0].GetRawText();
        var res = await PostAsync($$"""{"data":[{{fresh}},{{stale}}]}""");
        Assert.Contains("data[1]: The timestamp for this event is older than 7 days", await ErrorAsync(res), StringComparison.Ordinal);
        Assert.Empty(_meta.Events);
    }

    [Fact]
    public async Task AnUnhashedEmail_IsRefused()
    {
        var json = Example(Now.ToUnixTimeSeconds()).Replace("[\"309a0a5c3e211326ae75ca18196d301a9bdbd1a882a4d2569511033da23f0abd\"]", "\"john@example.com\"", StringComparison.Ordinal);
        Assert.Contains("user_data.em must be SHA-256 hashed", await ErrorAsync(await PostAsync(json)), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(",\"data_processing_options\":[\"LDU\"]", "data_processing_options_country")]
    [InlineData(",\"data_processing_options\":[\"XYZ\"]", "must be [] or [\"LDU\"]")]
    public async Task BadLimitedDataUseFields_AreRefused(string extraEvent, string expected) =>
        Assert.Contains(expected, await ErrorAsync(await PostAsync(Example(Now.ToUnixTimeSeconds(), extraEvent: extraEvent))), StringComparison.Ordinal);

    [Fact]
    public async Task HashedIpOrAFbcWithoutItsPrefix_AreRefused()
    {
        var hashedIp = Example(Now.ToUnixTimeSeconds()).Replace("\"123.123.123.123\"", "\"254aa248acb47dd654ca3ea53f48c2c26d641d23d7e2e93a1ec56258df7674c4\"", StringComparison.Ordinal);
        Assert.Contains("client_ip_address must be sent as it is", await ErrorAsync(await PostAsync(hashedIp)), StringComparison.Ordinal);
        var rawFbclid = Example(Now.ToUnixTimeSeconds()).Replace("fb.1.1554763741205.AbCdEfGhIjKlMnOpQrStUvWxYz1234567890", "AbCdEfGhIjKl", StringComparison.Ordinal);
        Assert.Contains("fbc must look like", await ErrorAsync(await PostAsync(rawFbclid)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task MillisecondsMissingFieldsAndTooManyEvents_AreRefused()
    {
        Assert.Contains("seconds, not milliseconds", await ErrorAsync(await PostAsync(Example(Now.ToUnixTimeMilliseconds()))), StringComparison.Ordinal);
        var noSource = Example(Now.ToUnixTimeSeconds()).Replace("\"action_source\":\"website\",", "", StringComparison.Ordinal);
        Assert.Contains("action_source is required", await ErrorAsync(await PostAsync(noSource)), StringComparison.Ordinal);
        var noUrl = Example(Now.ToUnixTimeSeconds()).Replace("\"event_source_url\":\"http://jaspers-market.com/product/123\",", "", StringComparison.Ordinal);
        Assert.Contains("website events require event_source_url", await ErrorAsync(await PostAsync(noUrl)), StringComparison.Ordinal);
        var one = JsonDocument.Parse(Example(Now.ToUnixTimeSeconds())).RootElement.GetProperty("data")[0].GetRawText();
        var tooMany = "{\"data\":[" + string.Join(",", Enumerable.Repeat(one, MetaCapiServer.MaxEvents + 1)) + "]}";
        Assert.Contains("1 to 1000 events", await ErrorAsync(await PostAsync(tooMany)), StringComparison.Ordinal);
        Assert.Empty(_meta.Events);
        Assert.Equal(4, _meta.Refused.Count);
    }

    [Fact]
    public async Task AWrongOrMissingToken_OrAnotherPixel_IsRefusedAsGraphDoes()
    {
        var json = Example(Now.ToUnixTimeSeconds());
        Assert.StartsWith("190 ", await ErrorAsync(await PostAsync(json, token: "wrong")), StringComparison.Ordinal);
        Assert.StartsWith("2500 ", await ErrorAsync(await PostAsync(json, token: null)), StringComparison.Ordinal);
        var other = await _http.PostAsync(new Uri(_meta.BaseUrl, "/v21.0/999/events?access_token=EAAtest"), new StringContent(json, Encoding.UTF8, "application/json"));
        Assert.StartsWith("100 Unsupported post request", await ErrorAsync(other), StringComparison.Ordinal);
    }

    [Fact]
    public async Task FailNext_AnswersAsAPlatformThatIsDownOrThrottling_ThenRecovers()
    {
        _meta.FailNext(1, HttpStatusCode.InternalServerError);
        _meta.FailNext(1, HttpStatusCode.TooManyRequests, retryAfterSeconds: 3);
        var json = Example(Now.ToUnixTimeSeconds());
        Assert.Equal(HttpStatusCode.InternalServerError, (await PostAsync(json)).StatusCode);
        var throttled = await PostAsync(json);
        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(3), throttled.Headers.RetryAfter?.Delta);
        Assert.Equal(HttpStatusCode.OK, (await PostAsync(json)).StatusCode);
        Assert.Single(_meta.Events);
    }
}
