using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>Cluster nodes while PostgreSQL or Redis goes away and comes back.</summary>
public sealed class OutageTests
{
    /// <summary>Sends 20-event batches with unique message ids to the nodes in turn until stopped; counts answers by status.</summary>
    private sealed class Load(IReadOnlyList<ClusterFixture.Node> nodes, string writeKey, int workers)
    {
        public ConcurrentDictionary<string, byte> Acked { get; } = new();
        public ConcurrentDictionary<int, int> Statuses { get; } = new();
        public ConcurrentBag<string> RetryAfter { get; } = [];
        public int Errors;
        private readonly CancellationTokenSource _stop = new();
        private Task[] _tasks = [];
        private int _batch;

        public void Start() => _tasks = Enumerable.Range(0, workers).Select(w => Task.Run(() => RunAsync(w))).ToArray();

        public async Task StopAsync()
        {
            await _stop.CancelAsync();
            await Task.WhenAll(_tasks);
        }

        /// <summary>Events acknowledged from now on, over <paramref name="window"/>.</summary>
        public async Task<int> AckedDuringAsync(TimeSpan window)
        {
            var before = Acked.Count;
            await Task.Delay(window);
            return Acked.Count - before;
        }

        private async Task RunAsync(int w)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            while (!_stop.IsCancellationRequested)
            {
                var b = Interlocked.Increment(ref _batch);
                var ids = Enumerable.Range(0, 20).Select(i => $"b{b}-e{i}").ToArray();
                var body = "{\"batch\":[" + string.Join(',', ids.Select(id => $$$"""{"type":"track","userId":"u{{{b % 50}}}","event":"Signed Up","messageId":"{{{id}}}"}""")) + "]}";
                try
                {
                    using var res = await http.PostAsync(new Uri(nodes[b % nodes.Count].Address, "/v1/batch"), new StringContent(body, Encoding.UTF8, "application/json"));
                    Statuses.AddOrUpdate((int)res.StatusCode, 1, (_, n) => n + 1);
                    if (res.StatusCode == HttpStatusCode.OK)
                    {
                        foreach (var id in ids)
                            Acked[id] = 0;
                    }
                    else if (res.StatusCode == HttpStatusCode.ServiceUnavailable)
                        RetryAfter.Add(res.Headers.RetryAfter?.ToString() ?? "");
                    else if (res.StatusCode == HttpStatusCode.TooManyRequests)
                        await Task.Delay(20);
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    Interlocked.Increment(ref Errors);
                }
            }
        }
    }

    [Fact]
    public async Task PostgresGoesAway_IngestAnswers503WithRetryAfter_NeverA200_AndRecoversByItself()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-pg-outage-").FullName;
        var port = ClusterServices.FreePort().ToString(CultureInfo.InvariantCulture);
        ClusterServices.Script("pg.sh", "start", Path.Combine(dir, "pg"), port);
        try
        {
            var postgres = $"Host=127.0.0.1;Port={port};Username=pulse;Password=pulse;Database=pulse;Timeout=3";
            var cluster = await ClusterFixture.StartAsync(nodes: 1, partitions: 2, postgres: postgres);
            await using var _ = cluster;
            var writeKey = await cluster.CreateSourceAsync("Shop");
            var load = new Load(cluster.Nodes, writeKey, workers: 3);
            load.Start();
            // Traffic is flowing before the outage (a node's first commits can take a while on a busy machine).
            await cluster.WaitAsync(async () => await load.AckedDuringAsync(TimeSpan.FromMilliseconds(500)) > 0, TimeSpan.FromSeconds(30),
                "ingest acknowledges before the outage");

            ClusterServices.Script("pg.sh", "kill", Path.Combine(dir, "pg"));
            await Task.Delay(TimeSpan.FromSeconds(1));
            var ackedWhileDown = await load.AckedDuringAsync(TimeSpan.FromSeconds(4));
            using (var http = new HttpClient())
                Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri(cluster.Nodes[0].Address, "/readyz"))).StatusCode);

            ClusterServices.Script("pg.sh", "start", Path.Combine(dir, "pg"), port);
            await cluster.WaitAsync(async () => await load.AckedDuringAsync(TimeSpan.FromMilliseconds(500)) > 0, TimeSpan.FromSeconds(30),
                "ingest acknowledges again once PostgreSQL is back");
            await load.StopAsync();

            Assert.Equal(0, ackedWhileDown);
            Assert.True(load.Statuses.GetValueOrDefault(503) > 0, "no request was answered 503 while the database was down");
            Assert.All(load.RetryAfter, r => Assert.True(int.TryParse(r, out var s) && s > 0, $"503 without a usable Retry-After: '{r}'"));
            Assert.Equal(0, load.Statuses.GetValueOrDefault(500));
            await AssertStoredAsync(postgres, load.Acked.Keys);
        }
        finally
        {
            try
            {
                ClusterServices.Script("pg.sh", "kill", Path.Combine(dir, "pg"));
            }
            catch (InvalidOperationException)
            {
            }
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task RedisRestartsMidLoad_IngestGoesOn_AndTheRateLimitHoldsAcrossNodesBeforeAndAfter()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-redis-outage-").FullName;
        var port = ClusterServices.FreePort().ToString(CultureInfo.InvariantCulture);
        ClusterServices.Script("redis.sh", "start", dir, port, "--persist");
        try
        {
            var cluster = await ClusterFixture.StartAsync(nodes: 2, partitions: 2, redis: $"127.0.0.1:{port}");
            await using var _ = cluster;
            // 300 events a second for the source over both nodes together (a bucket of 600).
            var writeKey = await cluster.CreateSourceAsync("Shop", rateLimit: 300);
            await BothReachRedisAsync(cluster);
            var load = new Load(cluster.Nodes, writeKey, workers: 4);
            load.Start();
            await Task.Delay(TimeSpan.FromSeconds(2));
            // Past the first bucket, each node alone would allow 300/s, 600/s together; the shared limit allows 300/s.
            var before = await load.AckedDuringAsync(TimeSpan.FromSeconds(4));

            ClusterServices.Script("redis.sh", "restart", dir, port, "--persist");
            // Each node reconnects by itself; meanwhile it counts alone. Measure once both share Redis again.
            await BothReachRedisAsync(cluster);
            await Task.Delay(TimeSpan.FromSeconds(1));
            var after = await load.AckedDuringAsync(TimeSpan.FromSeconds(4));
            await load.StopAsync();

            // 4 s at 300/s is 1,200 (plus what a bucket saved up); each node counting alone would allow about 2,400.
            Assert.InRange(before, 600, 1900);
            Assert.InRange(after, 600, 1900);
            Assert.True(load.Statuses.GetValueOrDefault(429) > 0, "the limit never refused anything");
            Assert.Equal(0, load.Statuses.GetValueOrDefault(500));
            Assert.Equal(0, load.Statuses.GetValueOrDefault(503));
            await AssertStoredAsync(cluster.Postgres, load.Acked.Keys);
        }
        finally
        {
            ClusterServices.Script("redis.sh", "stop", dir);
            Directory.Delete(dir, recursive: true);
        }
    }

    private static async Task BothReachRedisAsync(ClusterFixture cluster)
    {
        using var http = new HttpClient();
        foreach (var node in cluster.Nodes)
        {
            await cluster.WaitAsync(async () => (await http.GetStringAsync(new Uri(node.Address, "/readyz"))).Contains("\"Healthy\"", StringComparison.Ordinal),
                TimeSpan.FromSeconds(30), $"{node.Name} reaches Redis");
        }
    }

    /// <summary>Every acknowledged message id is in the log exactly once.</summary>
    private static async Task AssertStoredAsync(string postgres, ICollection<string> acked)
    {
        // Not from the pool: connections made before the outage died with the server.
        await using var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(postgres) { Pooling = false }.ConnectionString);
        await db.OpenAsync();
        var stored = new Dictionary<string, long>(StringComparer.Ordinal);
        await using var cmd = new NpgsqlCommand("SELECT message_id, count(*) FROM events GROUP BY message_id", db);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            stored[r.GetString(0)] = r.GetInt64(1);
        Assert.True(acked.Count > 0);
        var missing = acked.Where(id => !stored.ContainsKey(id)).Take(5).ToList();
        Assert.True(missing.Count == 0, "acknowledged but not stored: " + string.Join(", ", missing));
        Assert.DoesNotContain(stored, kv => kv.Value > 1);
    }
}
