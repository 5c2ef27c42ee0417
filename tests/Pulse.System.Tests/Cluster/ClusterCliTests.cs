using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Npgsql;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Cluster;

/// <summary>The `pulse` command in cluster mode: settings checks, the schema gate, and the CLI beside running nodes.</summary>
public sealed class ClusterCliTests
{
    [Theory]
    [InlineData("Storage:Mode is 'pg'", "workspace", "list", "--storage", "pg")]
    [InlineData("no PostgreSQL connection string", "workspace", "list", "--storage", "postgres", "--redis", "127.0.0.1:6379")]
    [InlineData("no Redis server", "workspace", "list", "--storage", "postgres", "--postgres", "Host=127.0.0.1;Database=x")]
    [InlineData("not a usable PostgreSQL connection string", "migrate", "--storage", "postgres", "--postgres", "Host=;=x", "--redis", "127.0.0.1:6379")]
    public async Task BadStorageSettings_Exit2_NamingTheProblem(string problem, params string[] args)
    {
        var result = await PulseProcess.RunAsync(args);
        Assert.Equal(2, result.ExitCode);
        Assert.Contains(problem, result.Stderr.ReplaceLineEndings(" "));
    }

    [Fact]
    public async Task OnASchemaThatIsBehind_NodesAndCommandsRefuse_UntilMigrateAppliesIt()
    {
        var postgres = await ClusterServices.CreateDatabaseAsync("pulse_cli");
        var data = Directory.CreateTempSubdirectory("pulse-cli-node-").FullName;
        var env = new Dictionary<string, string>
        {
            ["PULSE_Storage__Mode"] = "postgres",
            ["PULSE_Storage__Postgres"] = postgres,
            ["PULSE_Storage__Redis"] = ClusterServices.Redis,
        };
        try
        {
            var list = await PulseProcess.RunWithAsync(env, "workspace", "list");
            Assert.Equal(1, list.ExitCode);
            Assert.Contains("pulse migrate", list.Stderr.ReplaceLineEndings(" "));
            var serve = await PulseProcess.RunWithAsync(env, "serve", "--data", data, "--urls", $"http://127.0.0.1:{ClusterServices.FreePort()}");
            Assert.Equal(1, serve.ExitCode);
            Assert.Contains("schema is behind", serve.Stderr.ReplaceLineEndings(" "));

            var migrate = await PulseProcess.RunWithAsync(env, "migrate");
            Assert.Equal(0, migrate.ExitCode);
            Assert.Contains("Applied", migrate.Stderr);
            Assert.Contains("up to date", (await PulseProcess.RunWithAsync(env, "migrate")).Stderr);
            Assert.Equal(0, (await PulseProcess.RunWithAsync(env, "workspace", "list")).ExitCode);

            var backup = await PulseProcess.RunWithAsync(env, "backup", Path.Combine(data, "x.zip"));
            Assert.Equal(2, backup.ExitCode);
            Assert.Contains("pg_dump", backup.Stderr.ReplaceLineEndings(" "));
        }
        finally
        {
            await ClusterServices.DropDatabaseAsync(postgres);
            Directory.Delete(data, recursive: true);
        }
    }

    [Fact]
    public async Task ApiKeyFromCli_WorksOnAClusterNode_UntilRevoked_AndTheAuditChainHoldsInPostgres()
    {
        var cluster = await ClusterFixture.StartAsync(nodes: 1, partitions: 2);
        await using var _ = cluster;
        Assert.Equal(0, (await PulseProcess.RunWithAsync(cluster.Environment, "workspace", "add", "--name", "Demo Shop")).ExitCode);
        var create = await PulseProcess.RunWithAsync(cluster.Environment, "apikey", "create", "--workspace", "Demo Shop", "--role", "Admin");
        Assert.Equal(0, create.ExitCode);
        var key = create.Stdout.Trim();

        using var http = new HttpClient { BaseAddress = cluster.Nodes[0].Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/api/v1/workspaces/current")).StatusCode);
        Assert.Equal(0, (await PulseProcess.RunWithAsync(cluster.Environment, "apikey", "revoke", "--workspace", "Demo Shop", key)).ExitCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/workspaces/current")).StatusCode);

        var second = (await PulseProcess.RunWithAsync(cluster.Environment, "apikey", "create", "--workspace", "Demo Shop", "--role", "Admin")).Stdout.Trim();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second);
        var audit = JsonDocument.Parse(await http.GetStringAsync("/api/v1/audit?action=apikey.")).RootElement;
        Assert.Equal(["apikey.created", "apikey.revoked", "apikey.created"],
            audit.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()).ToList());

        Assert.Equal(0, (await PulseProcess.RunWithAsync(cluster.Environment, "audit", "verify")).ExitCode);
        await using (var db = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.Postgres) { Pooling = false }.ConnectionString))
        {
            await db.OpenAsync();
            await using var cmd = new NpgsqlCommand(
                "DROP TRIGGER audit_entries_no_change ON audit_entries; UPDATE audit_entries SET \"Action\" = 'apikey.listed' WHERE \"Id\" = 3;", db);
            await cmd.ExecuteNonQueryAsync();
        }
        var verify = await PulseProcess.RunWithAsync(cluster.Environment, "audit", "verify");
        Assert.Equal(1, verify.ExitCode);
        Assert.Contains("#3", verify.Stderr);
    }
}
