using System.Net;
using System.Text;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Pulse.Collect.Anomalies;
using Pulse.Platform.Access;
using Pulse.Platform.Alerts;
using Pulse.Platform.Webhooks;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Anomalies;

/// <summary>A server whose clock is fake, so that weeks of events can be received in seconds.</summary>
public sealed class FakeClockFixture : IAsyncLifetime
{
    /// <summary>The hour the test checks: a Tuesday 14:00–15:00 UTC; the server starts five weeks earlier.</summary>
    public static readonly DateTimeOffset Hour = new(2026, 10, 20, 14, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Hour.AddDays(-35));
    public CollectFixture Collect { get; } = new();

    // Hourly checks on the hour (the clock starts at 14:00): every jump of the fake clock fires each
    // period it passes, and a week of five-minute periods would run the check two thousand times.
    // The webhook receivers listen on loopback, which the operator has to allow.
    // The alert webhook's retries wait on this clock too, and so does their 30 s overall limit:
    // without jitter their waits are known (1, 2 and 4 s), so moving the clock in small steps while
    // the test waits lets every retry happen long before the limit, however slow the machine.
    public async Task InitializeAsync() => await Collect.StartAsync(
        new() { ["Collect:DuckDbMemoryLimit"] = "256MB", ["Collect:AnomalyCheckMinutes"] = "60", ["Security:AllowPrivateNetworkTargets"] = "true" },
        b => b.Services.AddSingleton<TimeProvider>(Time)
            .PostConfigure<Microsoft.Extensions.Http.Resilience.HttpStandardResilienceOptions>("pulse-alert-webhooks-standard", o =>
            {
                o.Retry.UseJitter = false;
                o.Retry.Delay = TimeSpan.FromSeconds(1);
            }));

    public Task DisposeAsync() => Collect.DisposeAsync();
}

public sealed class VolumeAlertTests(FakeClockFixture fixture) : IClassFixture<FakeClockFixture>
{
    private static readonly TimeSpan Week = TimeSpan.FromDays(7);

    [Fact]
    public async Task OrderCompletedFallingToZero_RaisesASignedWebhookAlert_ThatClearsWhenTheHourIsBackInBand()
    {
        await using var hook = await WebhookReceiver.StartAsync();
        var server = fixture.Collect.Server;
        var t = await fixture.Collect.TenantAsync(new { name = "Shop" });
        var settings = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { webhookUrl = hook.Url }));
        var secret = settings.GetProperty("signingSecret").GetString()!;
        Assert.Equal(hook.Url, settings.GetProperty("webhookUrl").GetString());

        var hour = FakeClockFixture.Hour;
        int[] orders = [118, 121, 110, 125];
        for (var w = 4; w >= 1; w--)
        {
            await SendAtAsync(t, hour - w * Week, ("Order Completed", orders[w - 1]), ("Product Viewed", 200 + w * 5));
            await SendAtAsync(t, hour.AddHours(1) - w * Week, ("Order Completed", orders[w - 1] - 3), ("Product Viewed", 210));
        }
        // The tag breaks: the shop is browsed, but no order arrives in the hour checked.
        await SendAtAsync(t, hour, ("Product Viewed", 207));

        fixture.Time.SetUtcNow(hour.AddHours(1).AddMinutes(6));
        var alert = await WaitForAsync(async () =>
        {
            var items = await AlertsAsync(t, "open");
            return items.FirstOrDefault(a => a.GetProperty("key").GetString()!.EndsWith("/event:Order Completed", StringComparison.Ordinal)) is { ValueKind: JsonValueKind.Object } a
                && a.GetProperty("lastDelivery").ValueKind == JsonValueKind.String ? a : (JsonElement?)null;
        });
        Assert.Equal("Order Completed fell to 0", alert.GetProperty("title").GetString());
        Assert.Equal("Critical", alert.GetProperty("severity").GetString());
        Assert.Equal($"source:{t.SourceId}/event:Order Completed", alert.GetProperty("key").GetString());
        Assert.Equal(0, alert.GetProperty("figures").GetProperty("observed").GetDouble());
        Assert.Equal(119.5, alert.GetProperty("figures").GetProperty("expected").GetDouble());
        Assert.Contains("14:00–15:00 UTC", alert.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Contains("usually 120", alert.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("alert.raised: 200", alert.GetProperty("lastDelivery").GetString());
        Assert.DoesNotContain(await AlertsAsync(t, "open"), a => a.GetProperty("key").GetString()!.Contains("Product Viewed", StringComparison.Ordinal));

        var raised = await hook.NextAsync();
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(raised.Signature, raised.Body, secret, fixture.Time.GetUtcNow(), TimeSpan.FromDays(1)));
        Assert.Equal(SignatureCheck.Mismatch, WebhookSignature.Verify(raised.Signature, raised.Body, "whsec_wrong", fixture.Time.GetUtcNow(), TimeSpan.FromDays(1)));
        using (var doc = JsonDocument.Parse(raised.Body))
        {
            Assert.Equal("alert.raised", doc.RootElement.GetProperty("type").GetString());
            Assert.Equal(alert.GetProperty("id").GetGuid(), doc.RootElement.GetProperty("alert").GetProperty("id").GetGuid());
            Assert.Equal("open", doc.RootElement.GetProperty("alert").GetProperty("state").GetString());
        }

        // Checking the same hour again updates the open alert instead of opening a second one.
        await server.App.Services.GetRequiredService<VolumeDetector>().RunOnceAsync(fixture.Time.GetUtcNow(), default);
        Assert.Single(await AlertsAsync(t, "all"));

        // A viewer sees it but may not acknowledge; an admin may.
        var viewer = (await server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Viewer, "viewer")).Key;
        var id = alert.GetProperty("id").GetGuid();
        TestData.AssertStatus(HttpStatusCode.OK, await server.SendAsync(HttpMethod.Get, "/api/v1/alerts", viewer));
        TestData.AssertStatus(HttpStatusCode.Forbidden, await server.SendAsync(HttpMethod.Post, $"/api/v1/alerts/{id}/acknowledge", viewer));
        var acked = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Post, $"/api/v1/alerts/{id}/acknowledge", t.ApiKey));
        Assert.StartsWith("test key", acked.GetProperty("acknowledgedBy").GetString(), StringComparison.Ordinal);

        // Orders come back in the next hour: the alert clears and the webhook hears so.
        await SendAtAsync(t, hour.AddHours(1).AddMinutes(10), ("Order Completed", 117), ("Product Viewed", 205));
        fixture.Time.SetUtcNow(hour.AddHours(2).AddMinutes(6));
        var cleared = await WaitForAsync(async () =>
        {
            var items = await AlertsAsync(t, "all");
            return items.FirstOrDefault(a => a.GetProperty("id").GetGuid() == id) is { ValueKind: JsonValueKind.Object } a
                && a.GetProperty("state").GetString() == "cleared" ? a : (JsonElement?)null;
        });
        Assert.True(cleared.GetProperty("clearedAt").ValueKind == JsonValueKind.String);
        Assert.Empty(await AlertsAsync(t, "open"));
        var resolved = await hook.NextAsync();
        Assert.Equal(SignatureCheck.Valid, WebhookSignature.Verify(resolved.Signature, resolved.Body, secret, fixture.Time.GetUtcNow(), TimeSpan.FromDays(1)));
        using (var doc = JsonDocument.Parse(resolved.Body))
            Assert.Equal("alert.resolved", doc.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task AlertsApi_RefusesBadInput_WithProblemDetails()
    {
        var t = await fixture.Collect.TenantAsync();
        var server = fixture.Collect.Server;
        var res = await server.SendAsync(HttpMethod.Get, "/api/v1/alerts?state=sideways", t.ApiKey);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("state", body.GetProperty("errors").EnumerateObject().Select(p => p.Name));

        foreach (var url in new[] { "ftp://example.com/x", "/relative", "https://user:pw@example.com/", "not a url" })
        {
            res = await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { webhookUrl = url });
            body = await TestServer.JsonAsync(res);
            TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
            Assert.Equal("https://pulse.invalid/problems/validation", body.GetProperty("type").GetString());
        }

        res = await server.SendAsync(HttpMethod.Post, $"/api/v1/alerts/{Guid.NewGuid()}/acknowledge", t.ApiKey);
        TestData.AssertStatus(HttpStatusCode.NotFound, res);
        var marketer = (await server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Marketer, "m")).Key;
        TestData.AssertStatus(HttpStatusCode.Forbidden, await server.SendAsync(HttpMethod.Get, "/api/v1/alerts/settings", marketer));
        TestData.AssertStatus(HttpStatusCode.OK, await server.SendAsync(HttpMethod.Get, "/api/v1/alerts", marketer));
        var partner = (await server.CreateKeyAsync(t.WorkspaceId, WorkspaceRole.Partner, "p")).Key;
        TestData.AssertStatus(HttpStatusCode.Forbidden, await server.SendAsync(HttpMethod.Get, "/api/v1/alerts", partner));
    }

    [Fact]
    public async Task Settings_RotateSecret_AndRemoveWebhook_AreAudited()
    {
        var t = await fixture.Collect.TenantAsync();
        var server = fixture.Collect.Server;
        var first = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/v1/alerts/settings", t.ApiKey));
        Assert.Equal(JsonValueKind.Null, first.GetProperty("webhookUrl").ValueKind);
        var set = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { webhookUrl = "https://hooks.example.com/pulse" }));
        Assert.Equal(first.GetProperty("signingSecret").GetString(), set.GetProperty("signingSecret").GetString());
        var rotated = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { rotateSecret = true }));
        Assert.NotEqual(first.GetProperty("signingSecret").GetString(), rotated.GetProperty("signingSecret").GetString());
        Assert.Equal("https://hooks.example.com/pulse", rotated.GetProperty("webhookUrl").GetString());
        var removed = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { webhookUrl = "" }));
        Assert.Equal(JsonValueKind.Null, removed.GetProperty("webhookUrl").ValueKind);

        var audit = await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/v1/audit", t.ApiKey));
        var actions = audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        Assert.Contains("alert_settings.secret_created", actions);
        Assert.Contains("alert_settings.secret_rotated", actions);
        Assert.Equal(2, actions.Count(a => a == "alert_settings.changed"));
    }

    [Fact]
    public async Task WebhookFailures_AreRetried_AndShownOnTheAlert()
    {
        await using var hook = await WebhookReceiver.StartAsync(status: 503);
        var t = await RaiseWithWebhookAsync(hook, "A receiver that answers 503.");

        // The retries wait on the server's clock, which is the fake one: move it on while waiting, in
        // steps small enough that the time an attempt spends in flight barely counts against the limit.
        var alert = await WaitForAsync(async () =>
        {
            fixture.Time.Advance(TimeSpan.FromMilliseconds(250));
            var items = await AlertsAsync(t, "open");
            return items.FirstOrDefault(a => a.GetProperty("lastDelivery").ValueKind == JsonValueKind.String) is { ValueKind: JsonValueKind.Object } a ? a : (JsonElement?)null;
        });
        Assert.Equal("alert.raised: failed: HTTP 503", alert.GetProperty("lastDelivery").GetString());
        Assert.Equal(4, hook.Received);
    }

    [Fact]
    public async Task WebhookRedirect_IsRecordedAsAFailure_NotFollowed()
    {
        await using var hook = await WebhookReceiver.StartAsync(status: 302);
        var t = await RaiseWithWebhookAsync(hook, "A receiver that answers 302.");

        var alert = await WaitForAsync(async () =>
        {
            var items = await AlertsAsync(t, "open");
            return items.FirstOrDefault(a => a.GetProperty("lastDelivery").ValueKind == JsonValueKind.String) is { ValueKind: JsonValueKind.Object } a ? a : (JsonElement?)null;
        });
        Assert.Equal("alert.raised: failed: HTTP 302", alert.GetProperty("lastDelivery").GetString());
        Assert.Equal(1, hook.Received);
        Assert.Equal(0, hook.Redirected);
    }

    /// <summary>A new workspace whose alert webhook is <paramref name="hook"/>, with one alert raised in it.</summary>
    private async Task<Tenant> RaiseWithWebhookAsync(WebhookReceiver hook, string description)
    {
        var server = fixture.Collect.Server;
        var t = await fixture.Collect.TenantAsync();
        TestData.AssertStatus(HttpStatusCode.OK, await server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", t.ApiKey, new { webhookUrl = hook.Url }));
        await server.WithScopeAsync<IAlerts, AlertDto>(a => a.RaiseAsync(new AlertRaise(
            t.WorkspaceId, "test.webhook", "hook", AlertSeverity.Warning, "Webhook check", description, new Dictionary<string, double>()), default));
        return t;
    }

    /// <summary>Sets the fake clock ten minutes into <paramref name="hour"/> and sends the events in one batch.</summary>
    private async Task SendAtAsync(Tenant t, DateTimeOffset hour, params (string Event, int Count)[] events)
    {
        var at = hour.Minute == 0 ? hour.AddMinutes(10) : hour;
        if (at > fixture.Time.GetUtcNow())
            fixture.Time.SetUtcNow(at);
        var batch = new List<object>();
        foreach (var (name, count) in events)
        {
            for (var i = 0; i < count; i++)
                batch.Add(new { type = "track", userId = "u" + i, @event = name, messageId = Guid.NewGuid().ToString() });
        }
        var (res, body) = await t.IngestAsync("/v1/batch", JsonSerializer.Serialize(new { batch }));
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
    }

    private static async Task<List<JsonElement>> AlertsAsync(Tenant t, string state)
    {
        var res = await t.Fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/alerts?state=" + state, t.ApiKey);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        return body.GetProperty("items").EnumerateArray().ToList();
    }

    private static async Task<JsonElement> WaitForAsync(Func<Task<JsonElement?>> probe)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if (await probe() is { } found)
                return found;
            await Task.Delay(50, cts.Token);
        }
    }
}

/// <summary>A loopback HTTP endpoint that records the webhooks it receives.</summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly Channel<(string Signature, byte[] Body)> _received = Channel.CreateUnbounded<(string, byte[])>();

    private WebhookReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";

    public int Received => _count;
    private int _count;

    /// <summary>Requests that reached <c>/elsewhere</c>, where a 302 answer points.</summary>
    public int Redirected => _redirected;
    private int _redirected;

    public static async Task<WebhookReceiver> StartAsync(int status = 200)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.MapPost("/hook", async (HttpContext ctx) =>
        {
            using var ms = new MemoryStream();
            await ctx.Request.Body.CopyToAsync(ms);
            receiver._received.Writer.TryWrite((ctx.Request.Headers[WebhookSignature.Header].ToString(), ms.ToArray()));
            Interlocked.Increment(ref receiver._count);
            if (status == 302)
                ctx.Response.Headers.Location = "/elsewhere";
            return Results.StatusCode(status);
        });
        app.Map("/elsewhere", () =>
        {
            Interlocked.Increment(ref receiver._redirected);
            return Results.Ok();
        });
        await app.StartAsync();
        receiver.Url = app.Urls.First() + "/hook";
        return receiver;
    }

    public async Task<(string Signature, byte[] Body)> NextAsync()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _received.Reader.ReadAsync(cts.Token);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
