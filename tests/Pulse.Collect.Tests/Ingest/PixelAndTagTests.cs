using System.Net;
using System.Text;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Ingest;

public sealed class PixelAndTagTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task Pixel_StoresTheQueryStringEvent_AndAnswersAnUncachedGif()
    {
        var t = await fixture.TenantAsync();
        var res = await t.Client.GetAsync($"/p.gif?k={t.WriteKey}&e=Email%20Opened&u=user-7&m=open-1&p.campaign=black-friday&p.variant=B");
        TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        Assert.Equal("image/gif", res.Content.Headers.ContentType?.MediaType);
        Assert.True(res.Headers.CacheControl?.NoStore);
        var gif = await res.Content.ReadAsByteArrayAsync();
        Assert.Equal("GIF89a"u8.ToArray(), gif[..6]);

        var e = (await t.EventsAsync())[0];
        Assert.Equal("Email Opened", e.GetProperty("event").GetString());
        Assert.Equal("open-1", e.GetProperty("messageId").GetString());
        Assert.Equal("black-friday", e.GetProperty("message").GetProperty("properties").GetProperty("campaign").GetString());
    }

    [Fact]
    public async Task Pixel_AcceptsABase64SegmentMessage()
    {
        var t = await fixture.TenantAsync();
        var message = Convert.ToBase64String(Encoding.UTF8.GetBytes($$"""{"writeKey":"{{t.WriteKey}}","type":"page","anonymousId":"a-1","name":"Landing"}"""));
        var res = await t.Client.GetAsync("/p.gif?data=" + Uri.EscapeDataString(message));
        TestData.AssertStatus(HttpStatusCode.OK, res, await res.Content.ReadAsStringAsync());
        var e = (await t.EventsAsync())[0];
        Assert.Equal("page", e.GetProperty("type").GetString());
        Assert.Equal("Landing", e.GetProperty("event").GetString());
    }

    [Theory]
    [InlineData("/p.gif?e=Opened&u=1", HttpStatusCode.Unauthorized)]
    [InlineData("/p.gif?k=KEY&u=1", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=KEY&e=Opened", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?k=KEY&t=boom&e=x&u=1", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?data=%%%", HttpStatusCode.BadRequest)]
    [InlineData("/p.gif?data=WzEsMl0", HttpStatusCode.BadRequest)]
    public async Task Pixel_RefusesBadRequestsWithAReason(string path, HttpStatusCode expected)
    {
        var t = await fixture.TenantAsync();
        var res = await t.Client.GetAsync(path.Replace("KEY", t.WriteKey, StringComparison.Ordinal));
        var body = await res.Content.ReadAsStringAsync();
        TestData.AssertStatus(expected, res, body);
        Assert.Contains("detail", body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Tag_IsServedVersioned_AndCacheable()
    {
        var res = await fixture.Server.Client.GetAsync("/t.js");
        TestData.AssertStatus(HttpStatusCode.OK, res);
        Assert.Equal("application/javascript", res.Content.Headers.ContentType?.MediaType);
        Assert.Equal(TimeSpan.FromHours(1), res.Headers.CacheControl?.MaxAge);
        var script = await res.Content.ReadAsStringAsync();
        Assert.Contains(Pulse.Collect.Tag.TagEndpoints.Version, script, StringComparison.Ordinal);
        Assert.True(script.Length < 20_000, $"the tag is {script.Length} bytes");

        using var again = new HttpRequestMessage(HttpMethod.Get, "/t.js");
        again.Headers.TryAddWithoutValidation("If-None-Match", res.Headers.ETag!.Tag);
        Assert.Equal(HttpStatusCode.NotModified, (await fixture.Server.Client.SendAsync(again)).StatusCode);

        var pinned = await fixture.Server.Client.GetAsync($"/t/{Pulse.Collect.Tag.TagEndpoints.Version}.js");
        Assert.True(pinned.Headers.CacheControl?.MaxAge > TimeSpan.FromDays(300));
        Assert.Equal(HttpStatusCode.NotFound, (await fixture.Server.Client.GetAsync("/t/0.0.1.js")).StatusCode);
    }
}
