using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Npgsql;

namespace Pulse.Tests.Shared;

/// <summary>
/// The PostgreSQL and Redis servers that cluster-mode tests run against. <c>./test.sh</c> starts them
/// on loopback ports and names them in <c>PULSE_TEST_POSTGRES</c> and <c>PULSE_TEST_REDIS</c>; when a
/// test runs without it (from an IDE), they are started here the same way (<c>tests/services</c>)
/// and stopped when the test process exits. Each test server gets a database of its own.
/// </summary>
public static class ClusterServices
{
    private static readonly Lazy<(string Postgres, string Redis)> Servers = new(StartOrFind, LazyThreadSafetyMode.ExecutionAndPublication);

    /// <summary>Set to <c>postgres</c> by <c>./test.sh</c> for its second pass: every storage-level test then runs in cluster mode.</summary>
    public static bool ClusterPass => string.Equals(Environment.GetEnvironmentVariable("PULSE_TEST_STORAGE"), "postgres", StringComparison.OrdinalIgnoreCase);

    /// <summary>Connection string of the server's maintenance database (<c>postgres</c>) as superuser.</summary>
    public static string PostgresAdmin => Servers.Value.Postgres;

    /// <summary>host:port of the Redis server.</summary>
    public static string Redis => Servers.Value.Redis;

    /// <summary>The repository's <c>tests/services</c> folder (scripts that start and stop the servers).</summary>
    public static string ScriptsDir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                var candidate = Path.Combine(d.FullName, "tests", "services");
                if (File.Exists(Path.Combine(candidate, "pg.sh")))
                    return candidate;
            }
            throw new InvalidOperationException("tests/services/pg.sh not found above " + AppContext.BaseDirectory);
        }
    }

    /// <summary>A new empty database; returns its connection string. Drop it with <see cref="DropDatabaseAsync"/>.</summary>
    public static async Task<string> CreateDatabaseAsync(string prefix = "pulse_t")
    {
        var name = $"{prefix}_{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 33)];
        await using (var c = new NpgsqlConnection(PostgresAdmin))
        {
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", c);
            await cmd.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(PostgresAdmin) { Database = name }.ConnectionString;
    }

    public static async Task DropDatabaseAsync(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        try
        {
            await using var c = new NpgsqlConnection(PostgresAdmin);
            await c.OpenAsync();
            await using var cmd = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", c);
            await cmd.ExecuteNonQueryAsync();
        }
        catch (NpgsqlException)
        {
            // The server may be down on purpose (an outage test); the temporary cluster goes with the run.
        }
    }

    /// <summary>A free loopback TCP port.</summary>
    public static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    /// <summary>Runs a script of <see cref="ScriptsDir"/>; throws with its output if it fails.</summary>
    public static void Script(string script, params string[] args)
    {
        var psi = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(Path.Combine(ScriptsDir, script));
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        if (!p.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            p.Kill(true);
            throw new TimeoutException($"{script} {string.Join(' ', args)} did not finish.");
        }
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"{script} {string.Join(' ', args)} failed ({p.ExitCode}): {output.Result}{error.Result}");
    }

    private static (string, string) StartOrFind()
    {
        var pg = Environment.GetEnvironmentVariable("PULSE_TEST_POSTGRES");
        var redis = Environment.GetEnvironmentVariable("PULSE_TEST_REDIS");
        if (!string.IsNullOrEmpty(pg) && !string.IsNullOrEmpty(redis))
            return (pg, redis);
        var dir = Directory.CreateTempSubdirectory("pulse-test-services-").FullName;
        var pgPort = FreePort();
        var redisPort = FreePort();
        Script("pg.sh", "start", Path.Combine(dir, "pg"), pgPort.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        Script("redis.sh", "start", Path.Combine(dir, "redis"), redisPort.ToString(global::System.Globalization.CultureInfo.InvariantCulture));
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Script("pg.sh", "kill", Path.Combine(dir, "pg"));
                Script("redis.sh", "stop", Path.Combine(dir, "redis"));
            }
            catch (Exception e) when (e is InvalidOperationException or TimeoutException)
            {
            }
        };
        return ($"Host=127.0.0.1;Port={pgPort};Username=pulse;Password=pulse;Database=postgres", $"127.0.0.1:{redisPort}");
    }
}
