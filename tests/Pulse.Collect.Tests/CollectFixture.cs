using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Platform.Access;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests;

/// <summary>One server shared by the tests of a class; each test makes its own workspace and source.</summary>
public sealed class CollectFixture : IAsyncLifetime
{
    public TestServer Server { get; private set; } = null!;

    public async Task InitializeAsync() => await StartAsync(new() { ["Collect:DuckDbMemoryLimit"] = "256MB" });

    /// <summary>Starts the server with other settings or services (a fake clock …).</summary>
    public async Task StartAsync(Dictionary<string, string?> settings, Action<Microsoft.AspNetCore.Builder.WebApplicationBuilder>? customize = null) =>
        Server = await TestServer.StartAsync(settings, customize);

    public async Task DisposeAsync() => await Server.DisposeAsync();

    /// <summary>A fresh workspace with an Admin API key and a source; returns (admin key, write key, source id).</summary>
    public async Task<Tenant> TenantAsync(object? source = null)
    {
        var ws = await Server.CreateWorkspaceAsync();
        var key = (await Server.CreateKeyAsync(ws.Id, WorkspaceRole.Admin)).Key;
        var res = await Server.SendAsync(HttpMethod.Post, "/api/v1/sources", key, source ?? new { name = "Web" });
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.Created, res, body.ToString());
        return new Tenant(this, ws.Id, key, body.GetProperty("writeKey").GetString()!, body.GetProperty("id").GetGuid());
    }
}

public sealed record Tenant(CollectFixture Fixture, Guid WorkspaceId, string ApiKey, string WriteKey, Guid SourceId)
{
    public HttpClient Client => Fixture.Server.Client;

    /// <summary>POSTs raw bytes to an ingest path with the write key as Basic-auth user (unless <paramref name="basic"/> is false).</summary>
    public async Task<(HttpResponseMessage Response, JsonElement Body)> IngestAsync(string path, string json, bool basic = true, Action<HttpRequestMessage>? customize = null)
    {
        using var req = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        if (basic)
            req.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(WriteKey + ":")));
        customize?.Invoke(req);
        var res = await Client.SendAsync(req);
        var text = await res.Content.ReadAsStringAsync();
        return (res, text.Length == 0 ? default : JsonDocument.Parse(text).RootElement.Clone());
    }

    /// <summary>Waits until the profile builder has applied everything the log holds now.</summary>
    public Task ProfilesCaughtUpAsync()
    {
        var services = Fixture.Server.App.Services;
        var head = services.GetRequiredService<Pulse.Collect.Log.EventLog>().Head;
        return services.GetRequiredService<Pulse.Collect.Profiles.ProfileBuilder>().CaughtUpAsync(head, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    /// <summary>GET of a management path with the tenant's key; asserts the status and returns the JSON body.</summary>
    public async Task<JsonElement> GetAsync(string path, HttpStatusCode expected = HttpStatusCode.OK, string? key = null)
    {
        var res = await Fixture.Server.SendAsync(HttpMethod.Get, path, key ?? ApiKey);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(expected, res, body.ToString());
        return body;
    }

    public async Task<JsonElement> EventsAsync(string query = "")
    {
        var res = await Fixture.Server.SendAsync(HttpMethod.Get, "/api/v1/events" + query, ApiKey);
        var body = await TestServer.JsonAsync(res);
        TestData.AssertStatus(HttpStatusCode.OK, res, body.ToString());
        return body.GetProperty("items");
    }
}
