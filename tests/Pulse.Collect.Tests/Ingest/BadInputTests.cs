using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Ingest;

/// <summary>
/// Hostile input not covered by <see cref="IngestApiTests"/>: decompression and array bombs,
/// extreme dates in every date field, numbers in fields that want strings, hostile query strings on
/// the pixel and the events API. Each answers a 4xx (or stores the event as data), never a 500, and
/// the server keeps serving.
/// </summary>
public sealed class BadInputTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task GzipBomb_Gets413_WithoutInflatingPastTheLimit()
    {
        var t = await fixture.TenantAsync();
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write("""{"batch":["""u8);
            var spaces = new byte[1024 * 1024];
            Array.Fill(spaces, (byte)' ');
            for (var i = 0; i < 64; i++)
                gz.Write(spaces);
            gz.Write("]}"u8);
        }
        Assert.True(ms.Length < 200_000, $"the bomb is {ms.Length} bytes compressed");
        using var req = new HttpRequestMessage(HttpMethod.Post, "/v1/batch") { Content = new ByteArrayContent(ms.ToArray()) };
        req.Content.Headers.ContentEncoding.Add("gzip");
        req.Headers.Authorization = Basic(t);
        var res = await t.Client.SendAsync(req);
        var body = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.RequestEntityTooLarge, res, body);
        Assert.Contains("application/problem+json", res.Content.Headers.ContentType?.ToString(), StringComparison.Ordinal);
        await AssertStillServingAsync(t);
    }

    [Fact]
    public async Task HugeArrays_AreRefused_ByCountOrBySize()
    {
        var t = await fixture.TenantAsync(new { name = "Big", maxBatchBytes = 4 * 1024 * 1024 });
        var many = "{\"batch\":[" + string.Join(",", Enumerable.Repeat("{}", 10_001)) + "]}";
        var (res, body) = await t.IngestAsync("/v1/batch", many);
        TestData.AssertStatus(HttpStatusCode.RequestEntityTooLarge, res, body.ToString());
        Assert.Contains("at most 10000", body.GetProperty("detail").GetString(), StringComparison.Ordinal);

        var wide = "{\"userId\":\"u\",\"event\":\"e\",\"properties\":{\"a\":[" + string.Join(",", Enumerable.Repeat("0", 200_000)) + "]}}";
        (res, body) = await t.IngestAsync("/v1/track", wide);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("bytes", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertStillServingAsync(t);
    }

    [Theory]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("0001-01-01T00:00:00+14:00")]
    [InlineData("9999-12-31T23:59:59.9999999Z")]
    [InlineData("9999-12-31T23:59:59-14:00")]
    [InlineData("-0001-01-01T00:00:00Z")]
    [InlineData("10000-01-01T00:00:00Z")]
    public async Task ExtremeDates_InEveryDateField_AreRefusedWithAReason(string date)
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/batch", $$"""
            {"sentAt":"{{date}}","batch":[
              {"type":"track","userId":"u","event":"ts","timestamp":"{{date}}"},
              {"type":"track","userId":"u","event":"sent","timestamp":"2026-11-27T10:00:00Z","sentAt":"{{date}}"},
              {"type":"track","userId":"u","event":"orig","originalTimestamp":"{{date}}"},
              {"type":"track","userId":"u","event":"now"}
            ]}
            """);
        // A date .NET can hold is used (a sentAt of year 1 with a timestamp of year 1 is a client
        // clock set to year 1: corrected to now, as Segment does); one it cannot hold is refused.
        Assert.True(res.StatusCode is HttpStatusCode.OK or HttpStatusCode.BadRequest, $"{(int)res.StatusCode}: {body}");
        if (res.StatusCode == HttpStatusCode.OK)
        {
            var rejected = body.TryGetProperty("rejected", out var r) ? r.EnumerateArray().ToList() : [];
            Assert.Equal(4, body.GetProperty("accepted").GetInt32() + rejected.Count);
            Assert.All(rejected, x => Assert.Matches("timestamp|sentAt", x.GetProperty("reason").GetString()!));
            Assert.All((await t.EventsAsync()).EnumerateArray(), e =>
                Assert.InRange(e.GetProperty("timestamp").GetDateTimeOffset(), new DateTimeOffset(1970, 1, 1, 0, 0, 0, TimeSpan.Zero), e.GetProperty("receivedAt").GetDateTimeOffset().AddDays(1)));
        }
        else
        {
            Assert.Contains("sentAt", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        }

        (res, body) = await t.IngestAsync("/v1/track", $$"""{"userId":"u","event":"e","timestamp":"{{date}}","sentAt":"2026-11-27T10:00:00Z"}""");
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("timestamp", body.GetProperty("detail").GetString(), StringComparison.Ordinal);
        await AssertStillServingAsync(t);
    }

    [Theory]
    [InlineData("""{"userId":"u","event":"e","timestamp":1e400}""", "timestamp")]
    [InlineData("""{"userId":"u","event":"e","timestamp":-9223372036854775809}""", "timestamp")]
    [InlineData("""{"userId":"u","event":"e","messageId":1e400}""", "messageId")]
    [InlineData("""{"userId":"u","event":1e400}""", "event")]
    [InlineData("""{"userId":"u","event":"e","properties":1e400}""", "properties")]
    public async Task NumbersWhereTextIsExpected_Get400_NamingTheField(string json, string field)
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", json);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains(field, body.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task HugeNumericUserId_IsKeptAsWritten()
    {
        var t = await fixture.TenantAsync();
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":1e400,"event":"e"}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("1e400", (await t.EventsAsync())[0].GetProperty("userId").GetString());
    }

    [Theory]
    [InlineData("/p.gif?k=KEY&e=%ZZ%FF%FE%E2%82&u=u%00x", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=KEY&e=Opened&u=u&p.%3Cscript%3E=%3Cb%3Ehi%3C%2Fb%3E&p.=x&p.a=1&p.a=2", HttpStatusCode.OK)]
    [InlineData("/p.gif?k=KEY&e=Opened&u=u&t=%F0%9F%98%80", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=KEY&data=%F0%9F%98%80", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=KEY&data=e30&data=e30", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=%00%01&e=x&u=u", HttpStatusCode.Unauthorized)]
    public async Task HostilePixelQueries_GetA4xxOrAreStoredAsData(string path, HttpStatusCode expected)
    {
        var t = await fixture.TenantAsync();
        var res = await t.Client.GetAsync(path.Replace("KEY", t.WriteKey, StringComparison.Ordinal));
        TestData.AssertStatus(expected, res, await res.Content.ReadAsStringAsync());
        if (expected != HttpStatusCode.OK)
            Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        await AssertStillServingAsync(t);
    }

    [Fact]
    public async Task LongEventName_ViaThePixel_IsRefusedWithItsLength_AndAnOverlongUrlGets414()
    {
        var t = await fixture.TenantAsync();
        var res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&u=u&e={new string('x', 5_000)}");
        var body = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body);
        Assert.Contains("5000 characters", body, StringComparison.Ordinal);
        res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&u=u&e={new string('x', 10_000)}");
        TestData.AssertStatus(HttpStatusCode.RequestUriTooLong, res);
        await AssertStillServingAsync(t);
    }

    [Theory]
    [InlineData("?from=1970-01-01&to=9998-12-31", HttpStatusCode.OK)]
    [InlineData("?to=9999-12-31", HttpStatusCode.BadRequest)]
    [InlineData("?from=0001-01-01T00:00:00Z&to=9999-12-31T23:59:59Z", HttpStatusCode.BadRequest)]
    [InlineData("?from=0001-01-01T00:00:00%2B14:00", HttpStatusCode.BadRequest)]
    [InlineData("?to=9999-12-31T23:59:59-14:00", HttpStatusCode.BadRequest)]
    [InlineData("?from=99999-01-01", HttpStatusCode.BadRequest)]
    [InlineData("?limit=99999999999", HttpStatusCode.BadRequest)]
    [InlineData("?limit=-1", HttpStatusCode.BadRequest)]
    [InlineData("?cursor=%FF%FE", HttpStatusCode.BadRequest)]
    [InlineData("?cursor=ZXZlbnRzOi0x", HttpStatusCode.BadRequest)]
    [InlineData("?event=%3Cscript%3E&profile=%00", HttpStatusCode.OK)]
    [InlineData("?source=%ED%A0%80", HttpStatusCode.NotFound)]
    public async Task HostileEventQueries_GetA4xxOrAnAnswer(string query, HttpStatusCode expected)
    {
        var t = await fixture.TenantAsync();
        var res = await fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events" + query, t.ApiKey);
        var body = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, body);
        if (expected != HttpStatusCode.OK)
            Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
    }

    private static AuthenticationHeaderValue Basic(Tenant t) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(t.WriteKey + ":")));

    private static async Task AssertStillServingAsync(Tenant t)
    {
        var (res, body) = await t.IngestAsync("/v1/track", """{"userId":"u","event":"still here"}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var health = await t.Client.GetAsync("/healthz");
        TestData.AssertStatus(HttpStatusCode.OK, health);
    }
}
