using System.Net;

namespace Pulse.Platform.Tests.Http;

public sealed class TlsProxyTests
{
    [Fact]
    public async Task BehindATrustedTlsProxy_ResponsesCarryHsts_AndTheClientIpIsTheForwardedOne()
    {
        await using var s = await TestServer.StartAsync(new() { ["Http:TrustedProxies:0"] = "127.0.0.1" });
        var ws = await s.CreateWorkspaceAsync();
        var key = (await s.CreateKeyAsync(ws.Id, Pulse.Platform.Access.WorkspaceRole.Admin)).Key;
        var r = await CreateKeyViaProxyAsync(s, key);
        Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        Assert.StartsWith("max-age=", r.Headers.GetValues("Strict-Transport-Security").Single());

        var audit = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/audit?action=apikey.created&limit=1", key));
        Assert.Equal("203.0.113.7", audit.GetProperty("items")[0].GetProperty("ip").GetString());
    }

    [Fact]
    public async Task PlainHttp_OrAnUntrustedProxy_GetsNoHsts_AndForwardedHeadersAreIgnored()
    {
        await using var s = await TestServer.StartAsync();
        var ws = await s.CreateWorkspaceAsync();
        var key = (await s.CreateKeyAsync(ws.Id, Pulse.Platform.Access.WorkspaceRole.Admin)).Key;
        var r = await CreateKeyViaProxyAsync(s, key);
        Assert.False(r.Headers.Contains("Strict-Transport-Security"));
        var audit = await TestServer.JsonAsync(await s.SendAsync(HttpMethod.Get, "/api/v1/audit?action=apikey.created&limit=1", key));
        Assert.Equal("127.0.0.1", audit.GetProperty("items")[0].GetProperty("ip").GetString());
    }

    /// <summary>A request as a TLS-terminating proxy forwards it: HTTPS for host pulse.example.com, from 203.0.113.7.</summary>
    private static Task<HttpResponseMessage> CreateKeyViaProxyAsync(TestServer s, string key)
    {
        var req = s.Request(HttpMethod.Post, "/api/v1/apikeys", key, new { name = "via proxy", role = "Viewer" });
        req.Headers.Host = "pulse.example.com";
        req.Headers.Add("X-Forwarded-Proto", "https");
        req.Headers.Add("X-Forwarded-For", "203.0.113.7");
        return s.Client.SendAsync(req);
    }
}
