using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>The live debugger in a cluster: a watcher on one node sees what arrives at every node, once.</summary>
public sealed class LiveDebuggerClusterTests
{
    [Fact]
    public async Task WatcherOnOneNode_SeesEventsSentToTheOther_AndEachNodesOwnEventsOnce()
    {
        var cluster = await ClusterFixture.StartAsync(nodes: 2, partitions: 2);
        await using var _ = cluster;
        var writeKey = await cluster.CreateSourceAsync("Live Shop");
        var create = await PulseProcess.RunWithAsync(cluster.Environment, "apikey", "create", "--workspace", "Live Shop", "--role", "Admin");
        Assert.True(create.ExitCode == 0, create.Stderr);
        var apiKey = create.Stdout.Trim();

        await using var onFirst = await LiveStream.OpenAsync(cluster.Nodes[0].Address, apiKey);
        await using var onSecond = await LiveStream.OpenAsync(cluster.Nodes[1].Address, apiKey);

        // A node learns within about a second that another node watches; until then it keeps its
        // entries to its own watchers. Send until the first node's watcher has seen the second's.
        var sent = 0;
        await cluster.WaitAsync(async () =>
        {
            await SendAsync(cluster.Nodes[1].Address, writeKey, $"m-{sent++}");
            return onFirst.Entries.Any(e => e.GetProperty("node").GetString() == "node2" && e.GetProperty("status").GetString() == "stored");
        }, TimeSpan.FromSeconds(20), "node1's watcher sees an event stored by node2");

        // From then on every event sent to node2 reaches both watchers, each exactly once.
        var last = Enumerable.Range(sent, 5).Select(i => $"m-{i}").ToList();
        foreach (var id in last)
            await SendAsync(cluster.Nodes[1].Address, writeKey, id);
        foreach (var stream in new[] { onFirst, onSecond })
        {
            var entries = await stream.UntilAsync(e => last.All(id => e.Any(x => x.GetProperty("messageId").GetString() == id)));
            foreach (var id in last)
                Assert.Single(entries, e => e.GetProperty("messageId").GetString() == id);
        }
        // The second node's own watcher saw every one of its events once, including the early ones.
        var own = onSecond.Entries.Select(e => e.GetProperty("messageId").GetString()).ToList();
        Assert.Equal(own.Count, own.Distinct().Count());
        Assert.Equal(sent + last.Count, own.Count);
    }

    private static async Task SendAsync(Uri node, string writeKey, string messageId)
    {
        using var http = new HttpClient { BaseAddress = node };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
        var res = await http.PostAsync("/v1/track", new StringContent($$"""{"userId":"u","event":"Live","messageId":"{{messageId}}"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.OK, res.StatusCode);
    }
}
