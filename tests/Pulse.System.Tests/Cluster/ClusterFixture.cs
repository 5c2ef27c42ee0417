using System.Diagnostics;
using System.Globalization;
using System.Net.Http;
using System.Text;
using System.Text.RegularExpressions;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>A PostgreSQL database of its own, migrated with `pulse migrate`, and N `pulse serve --storage postgres` nodes on it.</summary>
public sealed partial class ClusterFixture : IAsyncDisposable
{
    private ClusterFixture(string postgres, Dictionary<string, string> environment, bool ownDatabase)
    {
        Postgres = postgres;
        Environment = environment;
        _ownDatabase = ownDatabase;
    }

    private readonly bool _ownDatabase;

    public string Postgres { get; }
    public Dictionary<string, string> Environment { get; }
    public List<Node> Nodes { get; } = [];

    /// <param name="postgres">A database of the test's own server (created by `pulse migrate`); by default a new database on the shared test server.</param>
    /// <param name="redis">A Redis of the test's own; by default the shared test server.</param>
    public static async Task<ClusterFixture> StartAsync(int nodes, int partitions, string? postgres = null, string? redis = null)
    {
        var own = postgres is null;
        postgres ??= await ClusterServices.CreateDatabaseAsync("pulse_cluster");
        var env = new Dictionary<string, string>
        {
            ["PULSE_Storage__Mode"] = "postgres",
            ["PULSE_Storage__Postgres"] = postgres,
            ["PULSE_Storage__Redis"] = redis ?? ClusterServices.Redis,
            ["PULSE_Collect__ProfilePartitions"] = partitions.ToString(CultureInfo.InvariantCulture),
            ["PULSE_Cluster__LeaseSeconds"] = "3",
            ["PULSE_Collect__MaintenanceSeconds"] = "1",
            ["PULSE_Collect__RetentionDays"] = "400",
        };
        var fixture = new ClusterFixture(postgres, env, own);
        var migrated = await PulseProcess.RunWithAsync(env, "migrate");
        Assert.True(migrated.ExitCode == 0, "pulse migrate failed: " + migrated.Stderr);
        // A day long past the retention period, which the maintenance job must drop.
        await using (var db = new Npgsql.NpgsqlConnection(new Npgsql.NpgsqlConnectionStringBuilder(postgres) { Pooling = false }.ConnectionString))
        {
            await db.OpenAsync();
            await using var old = new Npgsql.NpgsqlCommand(
                "CREATE TABLE events_p20200101 PARTITION OF events FOR VALUES FROM ('2020-01-01 00:00:00+00') TO ('2020-01-02 00:00:00+00')", db);
            await old.ExecuteNonQueryAsync();
        }
        for (var i = 1; i <= nodes; i++)
        {
            var node = new Node(fixture, $"node{i}", Directory.CreateTempSubdirectory($"pulse-node{i}-").FullName);
            fixture.Nodes.Add(node);
        }
        await Task.WhenAll(fixture.Nodes.Select(n => n.StartAsync()));
        return fixture;
    }

    /// <summary>A workspace and a source in it, made with the CLI; returns the write key.</summary>
    public async Task<string> CreateSourceAsync(string workspace, int rateLimit = 0)
    {
        var ws = await PulseProcess.RunWithAsync(Environment, "workspace", "add", "--name", workspace);
        Assert.True(ws.ExitCode == 0, ws.Stderr);
        string[] args = ["source", "create", "--workspace", workspace, "--name", "Web"];
        if (rateLimit > 0)
            args = [.. args, "--rate-limit", rateLimit.ToString(CultureInfo.InvariantCulture)];
        var source = await PulseProcess.RunWithAsync(Environment, args);
        Assert.True(source.ExitCode == 0, source.Stderr);
        return source.Stdout.Trim();
    }

    public Task WaitAsync(Func<Task<bool>> condition, TimeSpan atMost, string what) =>
        Eventually.UntilAsync(condition, atMost, () => what + ". Node logs:\n" + string.Join("\n", Nodes.Select(n => n.Name + ": " + n.Tail())));

    public async ValueTask DisposeAsync()
    {
        foreach (var n in Nodes)
            await n.StopAsync();
        if (_ownDatabase)
            await ClusterServices.DropDatabaseAsync(Postgres);
        foreach (var n in Nodes)
        {
            try
            {
                Directory.Delete(n.DataDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    public sealed partial class Node(ClusterFixture cluster, string name, string dataDir)
    {
        private Process? _process;
        private StringBuilder _log = new();
        private int _port;

        public string Name { get; } = name;
        public string DataDir { get; } = dataDir;
        public Uri Address { get; private set; } = null!;

        public async Task StartAsync()
        {
            var env = new Dictionary<string, string>(cluster.Environment) { ["PULSE_Cluster__NodeName"] = Name };
            var (process, address, log) = await PulseProcess.ServeAsync(DataDir, env, _port);
            _process = process;
            _log = log;
            Address = address;
            _port = address.Port;
        }

        /// <summary>kill -9: no shutdown, no lease given back.</summary>
        public async Task KillAsync()
        {
            _process!.Kill();
            await _process.WaitForExitAsync();
        }

        public Task RestartAsync() => StartAsync();

        public async Task StopAsync()
        {
            if (_process is { HasExited: false })
                await PulseProcess.StopAsync(_process);
        }

        /// <summary>The value of a metric on this node's /metrics (the first series whose labels contain <paramref name="labels"/>).</summary>
        public async Task<double> MetricAsync(string name, string labels)
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var text = await http.GetStringAsync(new Uri(Address, "/metrics"));
            foreach (var line in text.Split('\n'))
            {
                var m = Series().Match(line);
                if (m.Success && m.Groups[1].Value == name && m.Groups[2].Value.Contains(labels, StringComparison.Ordinal))
                    return double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
            }
            return double.NaN;
        }

        public string Tail()
        {
            lock (_log)
            {
                var s = _log.ToString();
                return s.Length > 3000 ? s[^3000..] : s;
            }
        }

        [GeneratedRegex(@"^([a-z_]+)\{([^}]*)\} ([-0-9.e+]+)")]
        private static partial Regex Series();
    }
}
