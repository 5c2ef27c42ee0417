using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pulse.Platform.Tests;
using Pulse.Tests.Shared;

namespace Pulse.Web.Tests;

/// <summary>What the tests that load Pulse's tag or a vendor SDK on a shop of another origin share.</summary>
internal static class ShopHelpers
{
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>The newest stored event matching the query, waiting for the browser to deliver it.</summary>
    public static async Task<JsonElement> WaitForEventAsync(TestServer server, string apiKey, string? name, string? type = null, string? profile = null, int seconds = 15)
    {
        var query = (name is not null ? "?event=" + Uri.EscapeDataString(name) : "?type=" + type) + (profile is null ? "" : "&profile=" + Uri.EscapeDataString(profile));
        var items = await Eventually.UntilAsync(async () => (await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/v1/events" + query, apiKey))).GetProperty("items"),
            items => items.GetArrayLength() > 0, TimeSpan.FromSeconds(seconds), () => $"the event {name ?? type} (browser console: artifacts/screenshots/)");
        return items[0];
    }
}
