using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>Moving an embedded installation up to cluster mode with `pulse export-to-cluster`.</summary>
public sealed class ExportToClusterTests
{
    [Fact]
    public async Task ExportToCluster_CopiesEverything_CountsBothSides_AndTheClusterServesTheSameData()
    {
        var data = Directory.CreateTempSubdirectory("pulse-move-").FullName;
        var postgres = await ClusterServices.CreateDatabaseAsync("pulse_move");
        try
        {
            Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
            var writeKey = (await PulseProcess.RunAsync("source", "create", "--data", data, "--workspace", "Shop", "--name", "Web")).Stdout.Trim();
            var apiKey = (await PulseProcess.RunAsync("apikey", "create", "--data", data, "--workspace", "Shop", "--role", "Admin")).Stdout.Trim();
            var (server, address, _) = await PulseProcess.ServeAsync(data);
            using (var http = new HttpClient { BaseAddress = address })
            {
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
                for (var b = 0; b < 10; b++)
                {
                    var body = "{\"batch\":[" + string.Join(',', Enumerable.Range(0, 30).Select(i =>
                        $$$"""{"type":"track","userId":"u{{{i}}}","event":"Order Completed","messageId":"b{{{b}}}-{{{i}}}"}""")) + "]}";
                    Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/batch", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);
                }
            }
            var whileRunning = await PulseProcess.RunAsync("export-to-cluster", "--data", data, "--postgres", postgres);
            Assert.Equal(1, whileRunning.ExitCode);
            Assert.Contains("stop it first", whileRunning.Stderr);
            await PulseProcess.StopAsync(server);

            var moved = await PulseProcess.RunAsync("export-to-cluster", "--data", data, "--postgres", postgres);
            Assert.True(moved.ExitCode == 0, moved.Stderr + moved.Stdout);
            Assert.Contains("Copied 300 events", moved.Stderr);
            Assert.Matches(@"\| events\s+\| 300\s+\| 300\s+\| ok", moved.Stdout);
            Assert.DoesNotContain("DIFFERS", moved.Stdout);
            var again = await PulseProcess.RunAsync("export-to-cluster", "--data", data, "--postgres", postgres);
            Assert.Equal(1, again.ExitCode);
            Assert.Contains("already holds", again.Stderr);

            // A cluster node on the copy: the same API key reads the same events, the audit chain holds.
            var cluster = await ClusterFixture.StartAsync(nodes: 1, partitions: 2, postgres: postgres);
            await using var _ = cluster;
            using var api = new HttpClient { BaseAddress = cluster.Nodes[0].Address };
            api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
            var seen = 0;
            string? cursor = null;
            do
            {
                var page = JsonDocument.Parse(await api.GetStringAsync("/api/v1/events?limit=200" + (cursor is null ? "" : "&cursor=" + cursor))).RootElement;
                seen += page.GetProperty("items").GetArrayLength();
                cursor = page.TryGetProperty("nextCursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
            }
            while (cursor is not null);
            Assert.Equal(300, seen);
            var audit = await PulseProcess.RunWithAsync(cluster.Environment, "audit", "verify");
            Assert.True(audit.ExitCode == 0, audit.Stderr);
        }
        finally
        {
            await ClusterServices.DropDatabaseAsync(postgres);
            Directory.Delete(data, recursive: true);
        }
    }
}
