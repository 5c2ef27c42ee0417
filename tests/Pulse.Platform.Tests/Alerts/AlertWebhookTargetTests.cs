using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Alerts;

namespace Pulse.Platform.Tests.Alerts;

/// <summary>
/// The alert webhook keeps to the same target rule as destinations (TargetGuard): on this server
/// Security:AllowPrivateNetworkTargets is off, as it is by default.
/// </summary>
public sealed class AlertWebhookTargetTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private TestServer Server => fixture.Server;

    [Theory]
    [InlineData("http://127.0.0.1:8080/hook")]
    [InlineData("http://localhost:22/")]
    [InlineData("http://LOCALHOST./")]
    [InlineData("http://[::1]:8080/hook")]
    [InlineData("http://0x7f000001:8080/")]
    [InlineData("http://127.1:8080/")]
    [InlineData("http://2130706433/")]
    [InlineData("http://0.0.0.0:8080/")]
    [InlineData("http://[::ffff:127.0.0.1]/")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://10.0.0.8/in")]
    public async Task PutSettings_Returns400NamingWebhookUrl_ForAPrivateTarget(string url)
    {
        var (_, key) = await WorkspaceAsync();
        var res = await Server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", key, new { webhookUrl = url });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Equal("https://pulse.invalid/problems/validation", body.GetProperty("type").GetString());
        var message = Assert.Single(body.GetProperty("errors").GetProperty("webhookUrl").EnumerateArray()).GetString();
        Assert.Contains("Security:AllowPrivateNetworkTargets=true", message, StringComparison.Ordinal);

        var settings = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/alerts/settings", key));
        Assert.Equal(JsonValueKind.Null, settings.GetProperty("webhookUrl").ValueKind);
    }

    [Fact]
    public async Task PutSettings_AcceptsAPublicTarget()
    {
        var (_, key) = await WorkspaceAsync();
        var res = await Server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", key, new { webhookUrl = "https://hooks.example.com/pulse" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("https://hooks.example.com/pulse", body.GetProperty("webhookUrl").GetString());
    }

    [Fact]
    public async Task Delivery_IsRefusedAfterDns_WhenTheSavedHostNowResolvesToLoopback()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        var (workspace, key) = await WorkspaceAsync();
        var saved = $"https://hooks-{Guid.NewGuid():N}.example.com/pulse";
        TestData.AssertStatus(HttpStatusCode.OK, await Server.SendAsync(HttpMethod.Put, "/api/v1/alerts/settings", key, new { webhookUrl = saved }));
        // The name passed when it was saved and points at the server now (DNS rebinding): a name that
        // resolves to loopback stands in for it, written where the saved URL is kept.
        var sql = $"UPDATE alert_settings SET \"WebhookUrl\" = 'http://localhost:{port}/hook' WHERE \"WebhookUrl\" = '{saved}'";
        await Server.SqlAsync(sql, sql);

        await Server.WithScopeAsync<IAlerts, AlertDto>(a => a.RaiseAsync(new AlertRaise(
            workspace, "test.target", "loopback", AlertSeverity.Warning, "Target check", "A webhook that resolves to loopback.", new Dictionary<string, double>()), default));
        var delivery = await LastDeliveryAsync(key);

        Assert.StartsWith("alert.raised: failed: localhost resolves only to private", delivery, StringComparison.Ordinal);
        Assert.Contains("Security:AllowPrivateNetworkTargets", delivery, StringComparison.Ordinal);
        Assert.False(listener.Pending(), "the refused webhook reached the listener");
    }

    private async Task<(Guid Workspace, string Key)> WorkspaceAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        return (ws.Id, (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key);
    }

    /// <summary>Waits until the workspace's one alert records a delivery outcome.</summary>
    private async Task<string> LastDeliveryAsync(string key)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var body = await TestServer.JsonAsync(await Server.SendAsync(HttpMethod.Get, "/api/v1/alerts", key));
            if (body.GetProperty("items").EnumerateArray().SingleOrDefault() is { ValueKind: JsonValueKind.Object } alert
                && alert.GetProperty("lastDelivery").GetString() is { } delivery)
                return delivery;
            await Task.Delay(50, cts.Token);
        }
    }
}
