using System.Net;
using System.Text.Json;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Destinations.Tests.Configs;

/// <summary>One server for the class, each test in a workspace of its own.</summary>
public sealed class DestinationsFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => Server = await TestServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A workspace with an Admin key and a source named Web.</summary>
    public async Task<(Guid Workspace, string Key, Guid Source)> TenantAsync()
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var res = await Server.SendAsync(HttpMethod.Post, "/api/v1/sources", key, new { name = "Web" });
        var source = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.Created, res, source.ToString());
        return (ws.Id, key, source.GetProperty("id").GetGuid());
    }
}

/// <summary>Destination configs through the API: create, read (secrets masked), change, delete; bad configs refused by field.</summary>
public sealed class DestinationApiTests(DestinationsFixture fixture) : IClassFixture<DestinationsFixture>
{
    private TestServer Server => fixture.Server;

    private async Task<(HttpResponseMessage Response, JsonElement Body)> SendAsync(HttpMethod method, string path, string key, object? json = null)
    {
        var res = await Server.SendAsync(method, path, key, json);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    [Fact]
    public async Task Meta_IsCreated_ItsTokenEncryptedAtRest_AndNeverReturned()
    {
        var (_, key, source) = await fixture.TenantAsync();
        const string token = "EAAGm0PX4ZCpsBAKZCsecret9876";
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new
        {
            type = "meta", name = "Meta ads", sources = new[] { "Web" }, events = new[] { "Order Completed", "Product Viewed" },
            config = new { pixelId = "123456789012345", accessToken = token, testEventCode = "TEST123", mappings = new[] { new { @event = "Quiz Finished", to = "QuizFinished", custom = true } } },
        });
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        Assert.Equal($"/api/v1/destinations/{id}", res.Headers.Location?.OriginalString);
        Assert.Equal("meta", body.GetProperty("type").GetString());
        Assert.True(body.GetProperty("enabled").GetBoolean());
        Assert.Equal(source, body.GetProperty("sources")[0].GetGuid());
        Assert.Equal(2, body.GetProperty("events").GetArrayLength());
        Assert.Equal("••••9876", body.GetProperty("config").GetProperty("accessToken").GetString());
        Assert.Equal("123456789012345", body.GetProperty("config").GetProperty("pixelId").GetString());
        Assert.Equal(JsonValueKind.Null, body.GetProperty("signingSecret").ValueKind);

        var (_, got) = await SendAsync(HttpMethod.Get, $"/api/v1/destinations/{id}", key);
        var (_, list) = await SendAsync(HttpMethod.Get, "/api/v1/destinations", key);
        var (_, audit) = await SendAsync(HttpMethod.Get, "/api/v1/audit?action=destination.", key);
        foreach (var text in new[] { body.ToString(), got.ToString(), list.ToString(), audit.ToString() })
            Assert.DoesNotContain(token, text, StringComparison.Ordinal);
        Assert.Single(list.GetProperty("items").EnumerateArray());
        Assert.Contains("destination.created", audit.ToString(), StringComparison.Ordinal);

        var stored = (string)(await Server.SqlAsync($"SELECT Secrets FROM destinations WHERE Id = '{id.ToString().ToUpperInvariant()}'",
            $"SELECT \"Secrets\" FROM destinations WHERE \"Id\" = '{id}'"))!;
        Assert.DoesNotContain(token, stored, StringComparison.Ordinal);
        Assert.DoesNotContain("accessToken", (string)(await Server.SqlAsync($"SELECT Config FROM destinations WHERE Id = '{id.ToString().ToUpperInvariant()}'",
            $"SELECT \"Config\" FROM destinations WHERE \"Id\" = '{id}'"))!, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Webhook_GetsASigningSecret_ShownOnceAtCreation()
    {
        var (_, key, _) = await fixture.TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new
        {
            type = "webhook", name = "Warehouse", sources = new[] { "Web" }, config = new { url = "https://hooks.example.com/pulse", headers = new Dictionary<string, string> { ["X-Team"] = "growth" } },
        });
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var secret = body.GetProperty("signingSecret").GetString()!;
        Assert.StartsWith("whsec_", secret, StringComparison.Ordinal);
        var (_, got) = await SendAsync(HttpMethod.Get, $"/api/v1/destinations/{body.GetProperty("id").GetGuid()}", key);
        Assert.Equal(JsonValueKind.Null, got.GetProperty("signingSecret").ValueKind);
        Assert.Equal("••••" + secret[^4..], got.GetProperty("config").GetProperty("signingSecret").GetString());
        Assert.DoesNotContain(secret, got.ToString(), StringComparison.Ordinal);
        Assert.Equal("growth", got.GetProperty("config").GetProperty("headers").GetProperty("X-Team").GetString());
    }

    [Fact]
    public async Task RotatingAWebhookSecret_SignsWithBothDuringTheOverlap_ThenOnlyTheNewOne()
    {
        var (ws, key, _) = await fixture.TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key,
            new { type = "webhook", name = "Hook", sources = new[] { "Web" }, config = new { url = "https://hooks.example.com/in" } });
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var id = body.GetProperty("id").GetGuid();
        var old = body.GetProperty("signingSecret").GetString()!;

        (res, body) = await SendAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/rotate-secret", key, new { overlapHours = 24 });
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        var fresh = body.GetProperty("signingSecret").GetString()!;
        Assert.StartsWith("whsec_", fresh, StringComparison.Ordinal);
        Assert.NotEqual(old, fresh);
        var config = body.GetProperty("config");
        Assert.Equal("••••" + fresh[^4..], config.GetProperty("signingSecret").GetString());
        Assert.Equal("••••" + old[^4..], config.GetProperty("previousSigningSecret").GetString());
        var rotatedAt = body.GetProperty("updatedAt").GetDateTimeOffset();
        Assert.Equal(rotatedAt.AddHours(24), config.GetProperty("previousSigningSecretUntil").GetDateTimeOffset());
        Assert.DoesNotContain(old, (await SendAsync(HttpMethod.Get, $"/api/v1/destinations/{id}", key)).Body.ToString(), StringComparison.Ordinal);

        var during = await Server.WithScopeAsync<Pulse.Destinations.Configs.DestinationService, IReadOnlyList<string>>(s => s.SigningSecretsAsync(ws, id, rotatedAt.AddHours(23), default));
        Assert.Equal([fresh, old], during);
        var after = await Server.WithScopeAsync<Pulse.Destinations.Configs.DestinationService, IReadOnlyList<string>>(s => s.SigningSecretsAsync(ws, id, rotatedAt.AddHours(25), default));
        Assert.Equal([fresh], after);

        // Editing the config later keeps the rotation as it is.
        (res, body) = await SendAsync(HttpMethod.Patch, $"/api/v1/destinations/{id}", key, new { config = new { url = "https://hooks.example.com/v2" } });
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("••••" + old[^4..], body.GetProperty("config").GetProperty("previousSigningSecret").GetString());

        TestData.AssertStatus(HttpStatusCode.BadRequest, (await SendAsync(HttpMethod.Post, $"/api/v1/destinations/{id}/rotate-secret", key, new { overlapHours = 500 })).Response);
        (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key,
            new { type = "ga4", name = "GA4", sources = new[] { "Web" }, config = new { measurementId = "G-ABC123XYZ", apiSecret = "s3cret-value" } });
        TestData.AssertStatus(HttpStatusCode.Conflict, (await SendAsync(HttpMethod.Post, $"/api/v1/destinations/{body.GetProperty("id").GetGuid()}/rotate-secret", key, new { })).Response);
    }

    [Theory]
    [InlineData("webhook", """{"url":"not a url"}""", "config.url")]
    [InlineData("webhook", """{"url":"http://10.1.2.3/hook"}""", "config.url")]
    [InlineData("webhook", """{"url":"http://169.254.169.254/latest"}""", "config.url")]
    [InlineData("meta", """{"pixelId":"123456789012345"}""", "config.accessToken")]
    [InlineData("ga4", """{"measurementId":"G-ABC123"}""", "config.apiSecret")]
    [InlineData("tiktok", """{"pixelCode":"C4ABCDEF1234567890","accessToken":"t","mappings":[{"event":"Order Completed","to":"Buy"}]}""", "config.mappings")]
    [InlineData("linkedin", """{"accessToken":"t"}""", "config.mappings")]
    [InlineData("snapchat", """{}""", "type")]
    public async Task BadConfigs_AreA400Problem_NamingTheField(string type, string config, string field)
    {
        var (_, key, _) = await fixture.TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key,
            new { type, name = "Bad", sources = new[] { "Web" }, config = JsonDocument.Parse(config).RootElement });
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Equal("application/problem+json", res.Content.Headers.ContentType?.MediaType);
        Assert.True(body.GetProperty("errors").TryGetProperty(field, out _), body.ToString());
    }

    [Fact]
    public async Task UnknownOrMissingSources_AndADuplicateName_AreRefused()
    {
        var (_, key, _) = await fixture.TenantAsync();
        var meta = new { pixelId = "12345", accessToken = "t0ken-value" };
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new { type = "meta", name = "M", sources = new[] { "Nope" }, config = meta });
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());
        Assert.Contains("'Nope'", body.GetProperty("errors").GetProperty("sources")[0].GetString(), StringComparison.Ordinal);
        (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new { type = "meta", name = "M", config = meta });
        Assert.True(body.GetProperty("errors").TryGetProperty("sources", out _), body.ToString());
        (res, _) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new { type = "meta", name = "M", sources = new[] { "Web" }, config = meta });
        TestData.AssertStatus(HttpStatusCode.Created, res);
        (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key, new { type = "meta", name = "M", sources = new[] { "Web" }, config = meta });
        TestData.AssertStatus(HttpStatusCode.Conflict, res, body.ToString());
    }

    [Fact]
    public async Task Patch_KeepsSecretsLeftOut_AndDeleteRemoves()
    {
        var (_, key, _) = await fixture.TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key,
            new { type = "ga4", name = "GA4", sources = new[] { "Web" }, config = new { measurementId = "G-ABC123XYZ", apiSecret = "api-secret-1111" } });
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var path = $"/api/v1/destinations/{body.GetProperty("id").GetGuid()}";

        (res, body) = await SendAsync(HttpMethod.Patch, path, key, new { name = "GA4 main", enabled = false, config = new { measurementId = "G-NEW999" } });
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        Assert.Equal("GA4 main", body.GetProperty("name").GetString());
        Assert.False(body.GetProperty("enabled").GetBoolean());
        Assert.Equal("G-NEW999", body.GetProperty("config").GetProperty("measurementId").GetString());
        Assert.Equal("••••1111", body.GetProperty("config").GetProperty("apiSecret").GetString());

        (res, body) = await SendAsync(HttpMethod.Patch, path, key, new { config = new { measurementId = "G-NEW999", apiSecret = "api-secret-2222" } });
        Assert.Equal("••••2222", body.GetProperty("config").GetProperty("apiSecret").GetString());
        (res, body) = await SendAsync(HttpMethod.Patch, path, key, new { config = new { measurementId = "UA-1" } });
        TestData.AssertStatus(HttpStatusCode.BadRequest, res, body.ToString());

        (res, _) = await SendAsync(HttpMethod.Delete, path, key);
        TestData.AssertStatus(HttpStatusCode.NoContent, res);
        (res, _) = await SendAsync(HttpMethod.Get, path, key);
        TestData.AssertStatus(HttpStatusCode.NotFound, res);
    }

    [Fact]
    public async Task Roles_MarketerReads_ViewerIsRefused_AndOtherWorkspacesSeeNothing()
    {
        var (ws, key, _) = await fixture.TenantAsync();
        var (res, body) = await SendAsync(HttpMethod.Post, "/api/v1/destinations", key,
            new { type = "tiktok", name = "TikTok", sources = new[] { "Web" }, config = new { pixelCode = "C4ABCDEF1234567890", accessToken = "tt-token-5555" } });
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        var path = $"/api/v1/destinations/{body.GetProperty("id").GetGuid()}";
        var marketer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Marketer)).Key;
        var viewer = (await Server.CreateKeyAsync(ws, WorkspaceRole.Viewer)).Key;
        TestData.AssertStatus(HttpStatusCode.OK, (await SendAsync(HttpMethod.Get, path, marketer)).Response);
        TestData.AssertStatus(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Delete, path, marketer)).Response);
        TestData.AssertStatus(HttpStatusCode.Forbidden, (await SendAsync(HttpMethod.Get, "/api/v1/destinations", viewer)).Response);
        var (_, otherKey, _) = await fixture.TenantAsync();
        TestData.AssertStatus(HttpStatusCode.NotFound, (await SendAsync(HttpMethod.Get, path, otherKey)).Response);
        Assert.Empty((await SendAsync(HttpMethod.Get, "/api/v1/destinations", otherKey)).Body.GetProperty("items").EnumerateArray());
    }
}
