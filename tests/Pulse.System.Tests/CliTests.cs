using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Data.Sqlite;

namespace Pulse.System.Tests;

public sealed class CliTests
{
    private static string NewDataDir() => Directory.CreateTempSubdirectory("pulse-sys-").FullName;

    [Fact]
    public async Task ApiKeyFromCli_WorksOnRunningServer_UntilRevoked_AndEveryStepIsAudited()
    {
        var data = NewDataDir();
        Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Demo Shop")).ExitCode);
        var (server, address, log) = await PulseProcess.ServeAsync(data);
        try
        {
            var create = await PulseProcess.RunAsync("apikey", "create", "--data", data, "--workspace", "Demo Shop", "--role", "Admin");
            Assert.Equal(0, create.ExitCode);
            var key = create.Stdout.Trim();
            Assert.Matches("^pk_live_[A-Za-z0-9]{40}$", key);

            using var http = new HttpClient { BaseAddress = address };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
            var current = await http.GetAsync("/api/v1/workspaces/current");
            Assert.Equal(HttpStatusCode.OK, current.StatusCode);

            var revoke = await PulseProcess.RunAsync("apikey", "revoke", "--data", data, "--workspace", "Demo Shop", key);
            Assert.Equal(0, revoke.ExitCode);
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync("/api/v1/workspaces/current")).StatusCode);

            var second = (await PulseProcess.RunAsync("apikey", "create", "--data", data, "--workspace", "Demo Shop", "--role", "Admin")).Stdout.Trim();
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", second);
            var audit = JsonDocument.Parse(await http.GetStringAsync("/api/v1/audit?action=apikey.")).RootElement;
            var actions = audit.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("action").GetString()).ToList();
            Assert.Equal(["apikey.created", "apikey.revoked", "apikey.created"], actions);
        }
        finally
        {
            await PulseProcess.StopAsync(server);
        }
        Assert.False(File.Exists(Path.Combine(data, "server.json")), "server.json is removed on SIGTERM");

        Assert.Equal(0, (await PulseProcess.RunAsync("audit", "verify", "--data", data)).ExitCode);
        await using (var c = new SqliteConnection($"Data Source={Path.Combine(data, "pulse.db")};Pooling=False"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = "DROP TRIGGER audit_entries_no_update; UPDATE audit_entries SET Action = 'apikey.listed' WHERE Id = 3;";
            await cmd.ExecuteNonQueryAsync();
        }
        var verify = await PulseProcess.RunAsync("audit", "verify", "--data", data);
        Assert.Equal(1, verify.ExitCode);
        Assert.Equal("3", verify.Stdout.Trim());
        Assert.Contains("#3", verify.Stderr);
    }

    [Theory]
    [InlineData("apikey", "create", "--workspace", "x")]
    [InlineData("apikey", "create", "--workspace", "x", "--role", "God")]
    [InlineData("nonsense")]
    [InlineData("apikey")]
    public async Task BadUsage_Exits2_WithAMessage(params string[] args)
    {
        var data = NewDataDir();
        var r = await PulseProcess.RunAsync([.. args, "--data", data]);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("error", r.Stderr, StringComparison.OrdinalIgnoreCase);
        Assert.Equal("", r.Stdout.Trim());
    }

    [Fact]
    public async Task UnknownWorkspace_Exits1()
    {
        var r = await PulseProcess.RunAsync("apikey", "list", "--data", NewDataDir(), "--workspace", "Nope");
        Assert.Equal(1, r.ExitCode);
        Assert.Contains("No workspace", r.Stderr);
    }

    [Fact]
    public async Task Help_IsAvailableOnEveryCommand()
    {
        foreach (var cmd in new[] { new[] { "--help" }, ["apikey", "create", "--help"], ["backup", "--help"], ["audit", "verify", "--help"] })
        {
            var r = await PulseProcess.RunAsync(cmd);
            Assert.Equal(0, r.ExitCode);
            Assert.Contains("Usage", r.Stdout);
        }
    }

    [Fact]
    public async Task BackupWhileServing_ThenRestore_RefusedWhileServing_AllowedAfter()
    {
        var data = NewDataDir();
        await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop");
        var archive = Path.Combine(Path.GetTempPath(), $"pulse-{Guid.NewGuid():N}.zip");
        var (server, _, _) = await PulseProcess.ServeAsync(data);
        try
        {
            var backup = await PulseProcess.RunAsync("backup", archive, "--data", data);
            Assert.True(backup.ExitCode == 0, backup.Stderr);
            var refused = await PulseProcess.RunAsync("restore", archive, "--data", data, "--force");
            Assert.Equal(1, refused.ExitCode);
            Assert.Contains("running", refused.Stderr);
        }
        finally
        {
            await PulseProcess.StopAsync(server);
        }
        var target = Path.Combine(Path.GetTempPath(), $"pulse-restored-{Guid.NewGuid():N}");
        var restore = await PulseProcess.RunAsync("restore", archive, "--data", target);
        Assert.True(restore.ExitCode == 0, restore.Stderr);
        var list = await PulseProcess.RunAsync("workspace", "list", "--data", target);
        Assert.Contains("Shop", list.Stdout);
        File.Delete(archive);
    }

    [Fact]
    public async Task UserAdd_CreatesAnAccount_ThatCanBeListed()
    {
        var data = Directory.CreateTempSubdirectory("pulse-cli-user-").FullName;
        Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
        var add = await PulseProcess.RunAsync("user", "add", "--data", data, "--email", "ola@example.com", "--password", "Correct-Horse-42x");
        Assert.True(add.ExitCode == 0, add.Stderr);
        var list = await PulseProcess.RunAsync("user", "list", "--data", data);
        Assert.Contains("ola@example.com", list.Stdout, StringComparison.Ordinal);
    }
}
