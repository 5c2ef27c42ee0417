using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>Several `pulse serve` processes on one PostgreSQL database and one Redis, as a cluster runs.</summary>
public sealed class ClusterTests
{
    private const int Partitions = 6;

    [Fact]
    public async Task ThreeNodes_OneKilledAndRestarted_KeepEveryAcknowledgedEventOnce_AndEveryPartitionWithOneNodeAtATime()
    {
        var cluster = await ClusterFixture.StartAsync(nodes: 3, Partitions);
        await using var _ = cluster;
        // Partitions of the profile work are by workspace: eight workspaces spread it.
        var writeKeys = new List<string>();
        for (var i = 0; i < 8; i++)
            writeKeys.Add(await cluster.CreateSourceAsync($"Shop {i}"));

        // Clients send batches round-robin over the nodes; a batch that got no 200 is sent again to
        // the next node (as the SDKs retry), with the same message ids.
        var acked = new ConcurrentDictionary<string, byte>();
        var ackedBy = new int[cluster.Nodes.Count];
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var workers = Enumerable.Range(0, 6).Select(w => Task.Run(async () =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var node = w;
            for (var b = 0; !stop.IsCancellationRequested; b++)
            {
                var ids = Enumerable.Range(0, 40).Select(i => $"w{w}-b{b}-e{i}").ToArray();
                var auth = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKeys[(w + b) % writeKeys.Count] + ":")));
                var body = "{\"batch\":[" + string.Join(',', ids.Select(id =>
                    $$$"""{"type":"track","userId":"u-{{{id[..id.IndexOf('-', StringComparison.Ordinal)]}}}-{{{id[^2..]}}}","anonymousId":"a-{{{id}}}","event":"Order Completed","messageId":"{{{id}}}"}""")) + "]}";
                for (var attempt = 0; ; attempt++)
                {
                    var index = node++ % cluster.Nodes.Count;
                    var target = cluster.Nodes[index];
                    try
                    {
                        using var req = new HttpRequestMessage(HttpMethod.Post, new Uri(target.Address, "/v1/batch")) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
                        req.Headers.Authorization = auth;
                        using var res = await http.SendAsync(req);
                        if (res.StatusCode == HttpStatusCode.OK)
                        {
                            foreach (var id in ids)
                                acked[id] = 0;
                            Interlocked.Add(ref ackedBy[index], ids.Length);
                            break;
                        }
                    }
                    catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                    {
                        // The node died mid-request: retried on the next one.
                    }
                    Interlocked.Increment(ref failures);
                    if (stop.IsCancellationRequested && attempt > 20)
                        break;
                    await Task.Delay(50);
                }
            }
        })).ToArray();

        // Each step waits for what it is about (never for a fixed time): the load under way with every
        // node holding its share; the dead node's partitions taken over by the live ones while the
        // load goes on; the restarted node holding its share again and acknowledging events.
        var dead = cluster.Nodes[1];
        var live = cluster.Nodes.Where(n => n != dead).ToList();
        await cluster.WaitAsync(async () => acked.Count >= 2_000 && (await OwnedAsync(cluster.Nodes)).All(o => o == Partitions / 3),
            TimeSpan.FromSeconds(60), "the load under way, each node holding its share of the partitions");
        await dead.KillAsync();
        var ackedAtKill = acked.Count;
        await cluster.WaitAsync(async () => acked.Count >= ackedAtKill + 2_000 && (await OwnedAsync(live)).Sum() == Partitions,
            TimeSpan.FromSeconds(60), $"the live nodes holding all {Partitions} partitions after {dead.Name}'s leases ran out, the load going on");
        await dead.RestartAsync();
        var ackedByRestarted = Volatile.Read(ref ackedBy[1]);
        await cluster.WaitAsync(async () => Volatile.Read(ref ackedBy[1]) >= ackedByRestarted + 400 && (await OwnedAsync([dead])).Single() == Partitions / 3,
            TimeSpan.FromSeconds(60), $"{dead.Name} acknowledging events again and holding its share of the partitions");
        await stop.CancelAsync();
        await Task.WhenAll(workers);
        Assert.True(acked.Count > 1000, $"only {acked.Count} events were acknowledged");

        await using var db = new NpgsqlConnection(cluster.Postgres);
        await db.OpenAsync();

        // Every acknowledged event is in the log exactly once, with a sequence number of its own.
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        await using (var cmd = new NpgsqlCommand("SELECT message_id, count(*)::int FROM events GROUP BY message_id", db))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
                stored[r.GetString(0)] = r.GetInt32(1);
        }
        var missing = acked.Keys.Where(id => !stored.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"{missing.Count} acknowledged events are not in the log, e.g. {string.Join(", ", missing.Take(5))}");
        var twice = stored.Where(kv => kv.Value > 1).Select(kv => kv.Key).ToList();
        Assert.True(twice.Count == 0, $"{twice.Count} events are stored more than once, e.g. {string.Join(", ", twice.Take(5))}");
        Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) - count(DISTINCT seq) FROM events"));

        // Every consumer catches up: each partition's profile checkpoint reaches the log's head, and every node reports no lag.
        await cluster.WaitAsync(async () =>
        {
            var behind = await ScalarAsync(db, $"""
                SELECT count(*) FROM generate_series(0, {Partitions - 1}) p
                WHERE coalesce((SELECT "Seq" FROM profile_consumer_progress WHERE "Consumer" = 'profiles/' || p), 0)
                    < coalesce((SELECT max(seq) FROM events WHERE ((hashtextextended(workspace_id::text, 0) % {Partitions} + {Partitions}) % {Partitions}) = p), 0)
                """);
            return behind == 0;
        }, TimeSpan.FromSeconds(60), "every partition of the profiles catches up with the log");
        foreach (var node in cluster.Nodes)
            await cluster.WaitAsync(async () => await node.MetricAsync("pulse_collect_consumer_lag", "consumer=\"profiles\"") == 0, TimeSpan.FromSeconds(30), $"{node.Name} reports no profile lag");
        // With three live nodes each holds its fair share (6 ÷ 3), so between them they hold every partition.
        foreach (var node in cluster.Nodes)
            await cluster.WaitAsync(async () => await node.MetricAsync("pulse_cluster_leases_owned", "group=\"profiles\"") == Partitions / 3,
                TimeSpan.FromSeconds(30), $"{node.Name} holds {Partitions / 3} partitions");

        // No partition was processed by two nodes at once: the committed batches of each partition
        // cover disjoint ranges of the log, and a range follows on from a node only after its lease was taken.
        var batches = new List<(int Part, long First, long Last, string Owner, long Epoch)>();
        await using (var cmd = new NpgsqlCommand("SELECT part, first_seq, last_seq, node, epoch FROM consumer_batches WHERE grp = 'profiles' ORDER BY part, first_seq", db))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
                batches.Add((r.GetInt32(0), r.GetInt64(1), r.GetInt64(2), r.GetString(3), r.GetInt64(4)));
        }
        Assert.NotEmpty(batches);
        foreach (var part in batches.GroupBy(b => b.Part))
        {
            var list = part.ToList();
            for (var i = 1; i < list.Count; i++)
            {
                Assert.True(list[i].First > list[i - 1].Last,
                    $"partition {part.Key}: {list[i].Owner} applied {list[i].First}–{list[i].Last} overlapping {list[i - 1].Owner}'s {list[i - 1].First}–{list[i - 1].Last}");
                Assert.True(list[i].Epoch >= list[i - 1].Epoch, $"partition {part.Key}: an older lease committed after a newer one");
                if (list[i].Owner != list[i - 1].Owner)
                    Assert.True(list[i].Epoch > list[i - 1].Epoch, $"partition {part.Key} changed hands without a new lease");
            }
        }
        Assert.True(batches.Select(b => b.Owner).Distinct().Count() >= 2, "the work was never handed over");

        // The maintenance job runs every second on one node at a time; five runs show whether they ever overlap.
        await cluster.WaitAsync(async () => await ScalarAsync(db, "SELECT count(*) FROM singleton_job_runs WHERE name = 'collect.log-maintenance' AND finished_at IS NOT NULL") >= 5,
            TimeSpan.FromSeconds(60), "five runs of the maintenance job");

        // The maintenance job ran once at a time, on whichever node claimed each period: it made the
        // coming days' partitions and dropped the day past retention.
        var runs = new List<(string Node, DateTime Started, DateTime Finished)>();
        await using (var cmd = new NpgsqlCommand("SELECT node, started_at, finished_at FROM singleton_job_runs WHERE name = 'collect.log-maintenance' AND finished_at IS NOT NULL ORDER BY started_at", db))
        await using (var r = await cmd.ExecuteReaderAsync())
        {
            while (await r.ReadAsync())
                runs.Add((r.GetString(0), r.GetDateTime(1), r.GetDateTime(2)));
        }
        Assert.True(runs.Count >= 5, $"the maintenance job ran {runs.Count} times in the test");
        for (var i = 1; i < runs.Count; i++)
            Assert.True(runs[i].Started >= runs[i - 1].Finished, $"{runs[i].Node}'s run started at {runs[i].Started:O}, before {runs[i - 1].Node}'s ended at {runs[i - 1].Finished:O}");
        var partitions = await ScalarAsync(db, "SELECT count(*) FROM pg_class WHERE relname IN ('events_p' || to_char(now() + interval '3 days', 'YYYYMMDD'), 'events_p20200101')");
        Assert.Equal(1L, partitions);
        Assert.Equal(0L, await ScalarAsync(db, "SELECT count(*) FROM pg_class WHERE relname = 'events_p20200101'"));

        // Every user of every workspace has one profile.
        var users = await ScalarAsync(db, "SELECT count(*) FROM (SELECT DISTINCT workspace_id, user_id FROM events) u");
        var profiles = await ScalarAsync(db, "SELECT count(*) FROM profiles WHERE \"UserId\" IS NOT NULL AND \"MergedInto\" IS NULL");
        Assert.Equal(users, profiles);
    }

    /// <summary>How many partitions of the profiles each node says it holds (NaN for a node that did not answer this time).</summary>
    private static async Task<double[]> OwnedAsync(IEnumerable<ClusterFixture.Node> nodes) =>
        await Task.WhenAll(nodes.Select(async n =>
        {
            try
            {
                return await n.MetricAsync("pulse_cluster_leases_owned", "group=\"profiles\"");
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                return double.NaN;
            }
        }));

    private static async Task<long> ScalarAsync(NpgsqlConnection db, string sql)
    {
        await using var cmd = new NpgsqlCommand(sql, db);
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(), global::System.Globalization.CultureInfo.InvariantCulture);
    }
}
