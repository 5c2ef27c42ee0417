using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Npgsql;
using NpgsqlTypes;

namespace Pulse.Bench;

/// <summary>
/// Durable ingest in cluster mode: one, two and three <c>pulse serve</c> nodes on one PostgreSQL
/// (and one Redis), each run on a fresh database; the embedded mode on the same machine; and, as the
/// physical limit, a plain binary COPY of the same stored rows into a table like <c>events</c> in
/// transactions of the size the nodes' group commits had. PostgreSQL and Redis are private servers
/// started for the run (tests/services). One JSON line per measurement.
/// </summary>
internal static class ClusterLoad
{
    private const int BatchSize = 100;

    public static async Task RunAsync(TimeSpan duration, int connections)
    {
        var root = IngestLoad.RepoRoot();
        var pulseDll = Path.Combine(root, "src/Pulse/bin/Release/net10.0/pulse.dll");
        var services = Directory.CreateTempSubdirectory("pulse-bench-cluster-").FullName;
        var pgPort = IngestLoad.FreePort();
        var redisPort = IngestLoad.FreePort();
        await ScriptAsync(root, "pg.sh", "start", Path.Combine(services, "pg"), pgPort.ToString(CultureInfo.InvariantCulture));
        await ScriptAsync(root, "redis.sh", "start", Path.Combine(services, "redis"), redisPort.ToString(CultureInfo.InvariantCulture));
        var admin = $"Host=127.0.0.1;Port={pgPort};Username=pulse;Password=pulse;Database=postgres;Pooling=false";
        var results = new List<object>();
        try
        {
            string? copySource = null;
            double commitEvents = 0;
            foreach (var nodes in new[] { 1, 2, 3 })
            {
                var db = $"Host=127.0.0.1;Port={pgPort};Username=pulse;Password=pulse;Database=pulse_bench_{nodes}";
                var (result, avgCommit) = await MeasureClusterAsync(pulseDll, db, $"127.0.0.1:{redisPort}", nodes, connections, duration);
                results.Add(result);
                if (nodes == 1)
                {
                    copySource = db;
                    commitEvents = avgCommit;
                }
                Console.WriteLine(JsonSerializer.Serialize(result));
            }
            var embedded = await MeasureEmbeddedAsync(pulseDll, connections, duration);
            Console.WriteLine(JsonSerializer.Serialize(embedded));
            var copy = await MeasureCopyAsync(copySource!, (int)Math.Max(100, Math.Round(commitEvents)));
            Console.WriteLine(JsonSerializer.Serialize(copy));
        }
        finally
        {
            await ScriptAsync(root, "pg.sh", "kill", Path.Combine(services, "pg"));
            await ScriptAsync(root, "redis.sh", "stop", Path.Combine(services, "redis"));
            Directory.Delete(services, recursive: true);
        }
    }

    private static async Task<(object Result, double AvgCommitEvents)> MeasureClusterAsync(string pulseDll, string postgres, string redis, int nodes, int connections, TimeSpan duration)
    {
        var data = Directory.CreateTempSubdirectory("pulse-bench-nodes-").FullName;
        var env = new Dictionary<string, string>
        {
            ["PULSE_Storage__Mode"] = "postgres",
            ["PULSE_Storage__Postgres"] = postgres,
            ["PULSE_Storage__Redis"] = redis,
            ["PULSE_Logging__LogLevel__Default"] = "Warning",
        };
        await IngestLoad.RunToEndAsync(pulseDll, ["migrate"], env);
        await IngestLoad.RunToEndAsync(pulseDll, ["workspace", "add", "--name", "Bench"], env);
        var writeKey = (await IngestLoad.RunToEndAsync(pulseDll, ["source", "create", "--workspace", "Bench", "--name", "Load"], env)).Trim();
        var processes = new List<Process>();
        var urls = new List<string>();
        try
        {
            for (var i = 1; i <= nodes; i++)
            {
                var port = IngestLoad.FreePort();
                var nodeEnv = new Dictionary<string, string>(env) { ["PULSE_Storage__DataDirectory"] = Path.Combine(data, "node" + i), ["PULSE_Cluster__NodeName"] = "node" + i };
                processes.Add(IngestLoad.Start("dotnet", [pulseDll, "serve", "--urls", $"http://127.0.0.1:{port}"], nodeEnv));
                urls.Add($"http://127.0.0.1:{port}");
            }
            foreach (var u in urls)
                await IngestLoad.WaitReadyAsync(u + "/readyz");
            var templates = IngestLoad.BuildBatches(writeKey, BatchSize);
            var target = string.Join(' ', urls.Select(u => u + "/v1/batch"));
            var (latencies, errors, seconds, warm, peakRss) = await DriveAsync(writeKey, target, templates, connections, duration, processes);
            var commits = await CommitStatsAsync(urls);
            foreach (var p in processes)
            {
                p.Kill(entireProcessTree: false);
                await p.WaitForExitAsync();
            }
            long stored;
            await using (var c = new NpgsqlConnection(postgres))
            {
                await c.OpenAsync();
                await using var cmd = new NpgsqlCommand("SELECT count(*) FROM events", c);
                stored = (long)(await cmd.ExecuteScalarAsync())!;
            }
            var acknowledged = (latencies.Length + warm) * (long)BatchSize;
            return (new
            {
                benchmark = $"cluster mode, {nodes} node(s), /v1/batch durable, 100-event batches",
                nodes,
                connections,
                eventsPerSecond = Math.Round(latencies.Length * (double)BatchSize / seconds),
                p50Ms = IngestLoad.Percentile(latencies, 0.50),
                p99Ms = IngestLoad.Percentile(latencies, 0.99),
                errors,
                peakRssMiBPerNode = peakRss / (1024 * 1024),
                eventsPerCommit = Math.Round(commits.Events / Math.Max(1, commits.Count)),
                commitMsAverage = Math.Round(commits.Seconds / Math.Max(1, commits.Count) * 1000, 2),
                acknowledged,
                stored,
                lost = acknowledged - stored,
            }, commits.Events / Math.Max(1, commits.Count));
        }
        finally
        {
            foreach (var p in processes.Where(p => !p.HasExited))
                p.Kill(entireProcessTree: true);
            Directory.Delete(data, recursive: true);
        }
    }

    private static async Task<object> MeasureEmbeddedAsync(string pulseDll, int connections, TimeSpan duration)
    {
        var data = Directory.CreateTempSubdirectory("pulse-bench-embedded-").FullName;
        try
        {
            var env = new Dictionary<string, string> { ["PULSE_Storage__DataDirectory"] = data, ["PULSE_Logging__LogLevel__Default"] = "Warning" };
            await IngestLoad.RunToEndAsync(pulseDll, ["workspace", "add", "--name", "Bench"], env);
            var writeKey = (await IngestLoad.RunToEndAsync(pulseDll, ["source", "create", "--workspace", "Bench", "--name", "Load"], env)).Trim();
            var port = IngestLoad.FreePort();
            using var pulse = IngestLoad.Start("dotnet", [pulseDll, "serve", "--urls", $"http://127.0.0.1:{port}"], env);
            await IngestLoad.WaitReadyAsync($"http://127.0.0.1:{port}/readyz");
            var (latencies, errors, seconds, _, peakRss) = await DriveAsync(writeKey, $"http://127.0.0.1:{port}/v1/batch", IngestLoad.BuildBatches(writeKey, BatchSize), connections, duration, [pulse]);
            pulse.Kill(entireProcessTree: true);
            await pulse.WaitForExitAsync();
            return new
            {
                benchmark = "embedded mode, 1 node, /v1/batch durable (segment file fsync), 100-event batches",
                connections,
                eventsPerSecond = Math.Round(latencies.Length * (double)BatchSize / seconds),
                p50Ms = IngestLoad.Percentile(latencies, 0.50),
                p99Ms = IngestLoad.Percentile(latencies, 0.99),
                errors,
                peakRssMiB = peakRss / (1024 * 1024),
            };
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    /// <summary>Closed-loop load after a 3 s warm-up; the latencies of the measured part, sorted.</summary>
    private static async Task<(double[] Latencies, long Errors, double Seconds, int Warm, long PeakRss)> DriveAsync(
        string writeKey, string target, IngestLoad.Template[] templates, int connections, TimeSpan duration, List<Process> servers)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(30) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(writeKey + ":")));
        var warm = await IngestLoad.WorkAsync(client, target, templates, connections, TimeSpan.FromSeconds(3));
        var peak = new long[1];
        using var rss = new Timer(_ => peak[0] = Math.Max(peak[0], servers.Max(IngestLoad.Rss)), null, 0, 250);
        var sw = Stopwatch.StartNew();
        var run = await IngestLoad.WorkAsync(client, target, templates, connections, duration);
        sw.Stop();
        return (run.Latencies.Order().ToArray(), run.Errors + warm.Errors, sw.Elapsed.TotalSeconds, warm.Latencies.Count, peak[0]);
    }

    /// <summary>Group commits over all nodes, from their /metrics: how many, events in them, seconds spent.</summary>
    private static async Task<(double Count, double Events, double Seconds)> CommitStatsAsync(List<string> urls)
    {
        using var http = new HttpClient();
        double count = 0, events = 0, seconds = 0;
        foreach (var u in urls)
        {
            foreach (var line in (await http.GetStringAsync(u + "/metrics")).Split('\n'))
            {
                if (line.StartsWith("pulse_collect_commit_events_count", StringComparison.Ordinal))
                    count += Value(line);
                else if (line.StartsWith("pulse_collect_commit_events_sum", StringComparison.Ordinal))
                    events += Value(line);
                else if (line.StartsWith("pulse_collect_commit_duration_seconds_sum", StringComparison.Ordinal))
                    seconds += Value(line);
            }
        }
        return (count, events, seconds);

        static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The database's own limit: the rows the one-node run stored (up to 200,000), read back, then
    /// sent with binary COPY from one connection into a fresh table with the same columns and
    /// indexes, one transaction (with its WAL flush) per <paramref name="rowsPerCommit"/> rows.
    /// </summary>
    private static async Task<object> MeasureCopyAsync(string postgres, int rowsPerCommit)
    {
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        const string Columns = "seq, workspace_id, source_id, message_id, type, event, user_id, anonymous_id, group_id, previous_id, " +
            "ts, original_ts, sent_at, received_at, utm_source, utm_medium, utm_campaign, utm_term, utm_content, fbclid, ttclid, li_fat_id, gclid, msclkid, " +
            "referrer_domain, referrer_type, referrer_name, page_host, page_path, browser, browser_version, os, os_version, device_type, is_bot, bot_name, ip, country, " +
            "consent, violations, plan_version, raw";
        var rows = new List<object?[]>();
        await using (var export = await c.BeginBinaryExportAsync($"COPY (SELECT {Columns} FROM events ORDER BY seq LIMIT 200000) TO STDOUT (FORMAT BINARY)"))
        {
            while (await export.StartRowAsync() != -1)
            {
                var row = new object?[42];
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] = export.IsNull ? null : i switch
                    {
                        0 => await export.ReadAsync<long>(NpgsqlDbType.Bigint),
                        1 or 2 => await export.ReadAsync<Guid>(NpgsqlDbType.Uuid),
                        >= 10 and <= 13 => await export.ReadAsync<DateTime>(NpgsqlDbType.TimestampTz),
                        34 => await export.ReadAsync<bool>(NpgsqlDbType.Boolean),
                        _ => await export.ReadAsync<string>(NpgsqlDbType.Text),
                    };
                    if (row[i] is null)
                        await export.SkipAsync();
                }
                rows.Add(row);
            }
        }
        var plain = await CopyChunksAsync(c, rows, rowsPerCommit, Columns, withDedup: false);
        var dedup = await CopyChunksAsync(c, rows, rowsPerCommit, Columns, withDedup: true);
        return new
        {
            benchmark = "plain binary COPY of the same rows into PostgreSQL (one connection, a commit per group-commit-sized chunk): the database's limit here",
            rows = rows.Count,
            rowsPerCommit,
            rowsPerSecond = Math.Round(rows.Count / plain),
            rowsPerSecondWithDedupKeys = Math.Round(rows.Count / dedup),
        };
    }

    /// <summary>Seconds to COPY the rows in chunks, each its own transaction; with the dedup window's key insert before each COPY as Pulse does.</summary>
    private static async Task<double> CopyChunksAsync(NpgsqlConnection c, List<object?[]> rows, int rowsPerCommit, string columns, bool withDedup)
    {
        await using (var setup = new NpgsqlCommand("DROP TABLE IF EXISTS bench_copy; CREATE TABLE bench_copy (LIKE events); CREATE INDEX ON bench_copy (seq); CREATE INDEX ON bench_copy (workspace_id, seq); " +
            "DROP TABLE IF EXISTS bench_ids; CREATE TABLE bench_ids (id uuid PRIMARY KEY, received_at timestamptz NOT NULL);", c))
            await setup.ExecuteNonQueryAsync();
        var sw = Stopwatch.StartNew();
        for (var at = 0; at < rows.Count; at += rowsPerCommit)
        {
            var chunk = rows.Skip(at).Take(rowsPerCommit).ToList();
            await using var tx = await c.BeginTransactionAsync();
            if (withDedup)
            {
                await using var ids = new NpgsqlCommand("INSERT INTO bench_ids (id, received_at) SELECT k, t FROM unnest($1::uuid[], $2::timestamptz[]) AS u(k, t) ORDER BY k ON CONFLICT (id) DO NOTHING RETURNING id", c, tx);
                ids.Parameters.Add(new NpgsqlParameter<List<Guid>> { TypedValue = chunk.Select(_ => Guid.NewGuid()).ToList() });
                ids.Parameters.Add(new NpgsqlParameter<List<DateTime>> { TypedValue = chunk.Select(r => (DateTime)r[13]!).ToList() });
                await using var reader = await ids.ExecuteReaderAsync();
                while (await reader.ReadAsync())
                {
                }
            }
            await using (var copy = await c.BeginBinaryImportAsync($"COPY bench_copy ({columns}) FROM STDIN (FORMAT BINARY)"))
            {
                foreach (var row in chunk)
                {
                    copy.StartRow();
                    foreach (var value in row)
                    {
                        switch (value)
                        {
                            case null: copy.WriteNull(); break;
                            case long l: copy.Write(l, NpgsqlDbType.Bigint); break;
                            case Guid g: copy.Write(g, NpgsqlDbType.Uuid); break;
                            case DateTime d: copy.Write(d, NpgsqlDbType.TimestampTz); break;
                            case bool b: copy.Write(b, NpgsqlDbType.Boolean); break;
                            case string str: copy.Write(str, NpgsqlDbType.Text); break;
                        }
                    }
                }
                await copy.CompleteAsync();
            }
            await tx.CommitAsync();
        }
        return sw.Elapsed.TotalSeconds;
    }

    internal static async Task ScriptAsync(string root, string script, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(root, "tests/services", script));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var err = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', args)}: {err}");
    }
}
