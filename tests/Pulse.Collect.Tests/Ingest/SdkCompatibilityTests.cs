using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Pulse.Platform.Tests;

namespace Pulse.Collect.Tests.Ingest;

/// <summary>The official Segment and RudderStack Node SDKs, installed from npm by test.sh, unchanged, pointed at Pulse.</summary>
public sealed class SdkCompatibilityTests(CollectFixture fixture) : IClassFixture<CollectFixture>
{
    [Fact]
    public async Task SegmentAndRudderStackNodeSdks_DeliverEveryCallType()
    {
        var t = await fixture.TenantAsync();
        var rudder = await fixture.Server.SendAsync(HttpMethod.Post, "/api/v1/sources", t.ApiKey, new { name = "Rudder backend" });
        var rudderKey = (await TestServer.JsonAsync(rudder)).GetProperty("writeKey").GetString()!;
        var run = Guid.NewGuid().ToString("N")[..8];

        var dir = SdkDirectory();
        var psi = new ProcessStartInfo("node") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])["send.mjs", fixture.Server.Address.ToString().TrimEnd('/'), t.WriteKey, rudderKey, run])
            psi.ArgumentList.Add(a);
        using var node = Process.Start(psi)!;
        var stdout = node.StandardOutput.ReadToEndAsync();
        var stderr = node.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(1));
        await node.WaitForExitAsync(timeout.Token);
        Assert.True(node.ExitCode == 0, "node failed: " + await stderr + await stdout);
        var sent = JsonDocument.Parse((await stdout).Trim().Split('\n')[^1]).RootElement;

        var stored = await t.EventsAsync("?limit=200");
        var byId = stored.EnumerateArray().ToDictionary(e => e.GetProperty("messageId").GetString()!, e => e);
        foreach (var sdk in (string[])["segment", "rudder"])
        {
            var ids = sent.GetProperty(sdk).EnumerateArray().Select(x => x.GetString()!).ToList();
            Assert.True(ids.Count >= 5, $"{sdk} reported {ids.Count} messages");
            foreach (var id in ids)
                Assert.True(byId.ContainsKey(id), $"{sdk} message {id} was not stored; stored: {string.Join(", ", byId.Keys)}");
        }
        var types = byId.Values.Select(e => e.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "identify", "track", "page", "screen", "group", "alias" }, types);
        var order = byId.Values.Single(e => e.GetProperty("event").GetString() == "Order Completed");
        Assert.Equal(249.99, order.GetProperty("message").GetProperty("properties").GetProperty("revenue").GetDouble());
        Assert.Equal("tiktok", byId.Values.Single(e => e.GetProperty("type").GetString() == "page" && e.GetProperty("event").GetString() == "Pricing")
            .GetProperty("enrichment").GetProperty("utmSource").GetString());
    }

    private static string SdkDirectory()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pulse.slnx")))
            dir = dir.Parent;
        var sdk = Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("Pulse.slnx not found"), "tests", "sdk");
        if (!Directory.Exists(Path.Combine(sdk, "node_modules")))
            throw new InvalidOperationException($"Run 'npm ci' in {sdk} first (test.sh does).");
        return sdk;
    }
}
