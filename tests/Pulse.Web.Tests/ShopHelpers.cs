using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Pulse.Platform.Tests;

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
        var items = await UntilAsync(async () => (await TestServer.JsonAsync(await server.SendAsync(HttpMethod.Get, "/api/v1/events" + query, apiKey))).GetProperty("items"),
            items => items.GetArrayLength() > 0, $"the event {name ?? type}", seconds);
        return items[0];
    }

    /// <summary>Asks <paramref name="probe"/> again (every 100 ms) until its answer is <paramref name="done"/>, for at most <paramref name="seconds"/>; returns that answer.</summary>
    public static async Task<T> UntilAsync<T>(Func<Task<T>> probe, Func<T, bool> done, string what, int seconds = 15)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            var answer = await probe();
            if (done(answer))
                return answer;
            if (TimeProvider.System.GetElapsedTime(started) > TimeSpan.FromSeconds(seconds))
                throw new TimeoutException($"Waited {seconds} s in vain for {what} (browser console: artifacts/screenshots/).");
            await Task.Delay(100);
        }
    }
}
