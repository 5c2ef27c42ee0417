using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Profiles;

/// <summary>A server on a fake clock, so that sessions can time out in a test.</summary>
public sealed class LiveClockFixture : IAsyncLifetime
{
    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 20, 10, 0, 0, TimeSpan.Zero));
    public CollectFixture Collect { get; } = new();

    public async Task InitializeAsync() => await Collect.StartAsync(
        new() { ["Collect:DuckDbMemoryLimit"] = "256MB" },
        b => b.Services.AddSingleton<TimeProvider>(Time));

    public Task DisposeAsync() => Collect.DisposeAsync();
}

/// <summary>Real-time visitor state: sessions, "active now" and a person's current session, kept as events arrive.</summary>
public sealed class LiveProfilesTests(LiveClockFixture fixture) : IClassFixture<LiveClockFixture>
{
    private const string Iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

    [Fact]
    public async Task Session_CountsEventsAndPages_KeepsItsEntry_AndANewOneBeginsAfter30QuietMinutes()
    {
        var t = await fixture.Collect.TenantAsync();
        await SendAsync(t, Page("a-1", "https://shop.example/p/1?utm_source=instagram&utm_medium=social&utm_campaign=bf", "m1"));
        fixture.Time.Advance(TimeSpan.FromMinutes(2));
        await SendAsync(t, Page("a-1", "https://shop.example/cart", "m2"), Track("a-1", "Product Added", "m3"));
        // A retry of an event already stored does not count again, and a bot is no visitor.
        await SendAsync(t, Track("a-1", "Product Added", "m3"));
        await SendAsync(t, """{"type":"page","anonymousId":"bot-1","context":{"userAgent":"Googlebot/2.1 (+http://www.google.com/bot.html)","page":{"url":"https://shop.example/"}}}""");

        var now = await t.GetAsync("/api/v1/profiles/a-1/now");
        Assert.True(now.GetProperty("activeNow").GetBoolean());
        Assert.Equal("a-1", now.GetProperty("id").GetString());
        Assert.Equal(fixture.Time.GetUtcNow(), now.GetProperty("lastSeen").GetDateTimeOffset());
        var s = now.GetProperty("session");
        Assert.Equal(3, s.GetProperty("events").GetInt64());
        Assert.Equal(2, s.GetProperty("pages").GetInt64());
        Assert.Equal("instagram", s.GetProperty("source").GetString());
        Assert.Equal("social", s.GetProperty("medium").GetString());
        Assert.Equal("bf", s.GetProperty("campaign").GetString());
        Assert.Equal("/p/1", s.GetProperty("landingPage").GetString());
        Assert.Equal(fixture.Time.GetUtcNow().AddMinutes(-2), s.GetProperty("startedAt").GetDateTimeOffset());
        Assert.Contains("mobile", s.GetProperty("device").GetString(), StringComparison.Ordinal);
        var bot = await t.GetAsync("/api/v1/profiles/bot-1/now");
        Assert.Equal(JsonValueKind.Null, bot.GetProperty("session").ValueKind);

        // 29 quiet minutes: the same session goes on.
        fixture.Time.Advance(TimeSpan.FromMinutes(29));
        Assert.False((await t.GetAsync("/api/v1/profiles/a-1/now")).GetProperty("activeNow").GetBoolean());
        await SendAsync(t, Track("a-1", "Checkout Started", "m4"));
        Assert.Equal(4, (await t.GetAsync("/api/v1/profiles/a-1/now")).GetProperty("session").GetProperty("events").GetInt64());

        // 31 quiet minutes: a new session, with the new entry.
        fixture.Time.Advance(TimeSpan.FromMinutes(31));
        await SendAsync(t, Page("a-1", "https://shop.example/p/2", "m5", referrer: "https://www.google.com/"));
        s = (await t.GetAsync("/api/v1/profiles/a-1/now")).GetProperty("session");
        Assert.Equal(1, s.GetProperty("events").GetInt64());
        Assert.Equal("Google", s.GetProperty("source").GetString());
        Assert.Equal("search", s.GetProperty("medium").GetString());
        Assert.Equal(JsonValueKind.Null, s.GetProperty("campaign").ValueKind);
        Assert.Equal(fixture.Time.GetUtcNow(), s.GetProperty("startedAt").GetDateTimeOffset());

        // After a day of silence the visitor has left the real-time state.
        fixture.Time.Advance(TimeSpan.FromHours(25));
        now = await t.GetAsync("/api/v1/profiles/a-1/now");
        Assert.Equal(JsonValueKind.Null, now.GetProperty("lastSeen").ValueKind);
        Assert.False(now.GetProperty("activeNow").GetBoolean());
    }

    [Fact]
    public async Task Activity_CountsVisitorsByWindow_AndListsTheLatestFirst()
    {
        var t = await fixture.Collect.TenantAsync();
        await SendAsync(t, Page("early", "https://shop.example/", "e1"));
        fixture.Time.Advance(TimeSpan.FromMinutes(20));
        await SendAsync(t, Page("middle", "https://shop.example/", "e2"));
        fixture.Time.Advance(TimeSpan.FromMinutes(3));
        await SendAsync(t, Page("late", "https://shop.example/", "e3"), Track("late", "Signed Up", "e4"), $$"""{"type":"track","userId":"u-9","event":"Order Completed"}""");

        var a = await t.GetAsync("/api/v1/profiles/active");
        Assert.Equal(3, a.GetProperty("activeNow").GetInt64());
        Assert.Equal(4, a.GetProperty("last30Minutes").GetInt64());
        Assert.Equal(4, a.GetProperty("last24Hours").GetInt64());
        var recent = a.GetProperty("recent").EnumerateArray().Select(v => v.GetProperty("id").GetString()).ToList();
        Assert.Equal(["late", "u-9", "middle", "early"], recent);
        Assert.Equal(2, a.GetProperty("recent")[0].GetProperty("session").GetProperty("events").GetInt64());

        Assert.Single((await t.GetAsync("/api/v1/profiles/active?limit=1")).GetProperty("recent").EnumerateArray());
        await t.GetAsync("/api/v1/profiles/active?limit=0", HttpStatusCode.BadRequest);
        await t.GetAsync("/api/v1/profiles/active?limit=51", HttpStatusCode.BadRequest);
        await t.GetAsync("/api/v1/profiles/active?limit=x", HttpStatusCode.BadRequest);

        // Another workspace sees none of it.
        var other = await fixture.Collect.TenantAsync();
        Assert.Equal(0, (await other.GetAsync("/api/v1/profiles/active")).GetProperty("last24Hours").GetInt64());
    }

    [Fact]
    public async Task APersonsNow_SpansTheirIds_AndAnErasureForgetsIt()
    {
        var t = await fixture.Collect.TenantAsync();
        await SendAsync(t, Page("anon-7", "https://shop.example/?utm_source=tiktok", "p1"));
        fixture.Time.Advance(TimeSpan.FromSeconds(30));
        await SendAsync(t, $$"""{"type":"identify","anonymousId":"anon-7","userId":"user-7","traits":{"email":"seven@example.com"},"messageId":"p2"}""");
        await t.ProfilesCaughtUpAsync();

        // Asked by the user id, the person's state is that of their browser's anonymous id.
        var now = await t.GetAsync("/api/v1/profiles/user-7/now");
        Assert.Equal("anon-7", now.GetProperty("id").GetString());
        Assert.Equal("tiktok", now.GetProperty("session").GetProperty("source").GetString());
        Assert.Equal(2, now.GetProperty("session").GetProperty("events").GetInt64());

        var erased = await TestServer.JsonAsync(await fixture.Collect.Server.SendAsync(HttpMethod.Delete, "/api/v1/profiles/user-7", t.ApiKey));
        Assert.Equal(1, erased.GetProperty("steps").GetProperty("realtime").GetInt64());
        now = await t.GetAsync("/api/v1/profiles/anon-7/now");
        Assert.Equal(JsonValueKind.Null, now.GetProperty("session").ValueKind);
        Assert.Equal(0, (await t.GetAsync("/api/v1/profiles/active")).GetProperty("last24Hours").GetInt64());
    }

    private static string Page(string anon, string url, string messageId, string? referrer = null)
    {
        var page = referrer is null ? $$"""{"url":"{{url}}"}""" : $$"""{"url":"{{url}}","referrer":"{{referrer}}"}""";
        return $$$"""{"type":"page","anonymousId":"{{{anon}}}","messageId":"{{{messageId}}}","context":{"userAgent":"{{{Iphone}}}","page":{{{page}}}}}""";
    }

    private static string Track(string anon, string name, string messageId) =>
        $$$"""{"type":"track","anonymousId":"{{{anon}}}","event":"{{{name}}}","messageId":"{{{messageId}}}","context":{"userAgent":"{{{Iphone}}}"}}""";

    private static async Task SendAsync(Tenant t, params string[] messages)
    {
        var (res, body) = await t.IngestAsync("/v1/batch", $$"""{"batch":[{{string.Join(",", messages)}}]}""");
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
    }
}
