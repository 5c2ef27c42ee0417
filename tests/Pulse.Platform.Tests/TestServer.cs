using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Platform.Tests;

/// <summary>A real Pulse server on a loopback port over a fresh data directory.</summary>
public sealed class TestServer : IAsyncDisposable
{
    private TestServer(WebApplication app, string dataDir, Uri address, string? postgres)
    {
        Postgres = postgres;
        App = app;
        DataDir = dataDir;
        Address = address;
        Client = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address };
    }

    public WebApplication App { get; }
    public string DataDir { get; }
    public Uri Address { get; }
    public HttpClient Client { get; }

    /// <summary>Cluster mode: the test's own PostgreSQL database (dropped at the end); null in embedded mode.</summary>
    public string? Postgres { get; }

    /// <param name="customize">Changes to the host before it is built (a fake <see cref="TimeProvider"/> …).</param>
    public static async Task<TestServer> StartAsync(Dictionary<string, string?>? settings = null, Action<WebApplicationBuilder>? customize = null)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-test-").FullName;
        var flags = new Dictionary<string, string?>
        {
            ["Storage:DataDirectory"] = dir,
            ["urls"] = "http://127.0.0.1:0",
            ["Logging:LogLevel:Default"] = Environment.GetEnvironmentVariable("PULSE_TEST_LOGLEVEL") ?? "Warning",
            ["Security:ApiRequestsPerSecond"] = "100000",
            ["Security:ApiBurst"] = "100000",
            ["Security:LoginAttemptsPerMinute"] = "1000",
            // Tests approve commissions themselves (or call the approver); a run every 10 minutes would race them.
            ["Commissions:AutoApprove"] = "false",
        };
        // The second pass of ./test.sh runs every storage-level test in cluster mode, each server on
        // a database of its own, migrated as `pulse migrate` would.
        string? postgres = null;
        if (Pulse.Tests.Shared.ClusterServices.ClusterPass)
        {
            postgres = await Pulse.Tests.Shared.ClusterServices.CreateDatabaseAsync();
            flags["Storage:Mode"] = "postgres";
            flags["Storage:Postgres"] = postgres;
            flags["Storage:Redis"] = Pulse.Tests.Shared.ClusterServices.Redis;
        }
        foreach (var (k, v) in settings ?? [])
            flags[k] = v;
        var app = PulseHost.Build(flags, customize);
        if (postgres is not null)
            await app.Services.GetRequiredService<Pulse.Platform.Storage.Database>().MigrateAsync();
        await app.Services.GetRequiredService<Bootstrap>().PrepareAsync(default);
        await app.StartAsync();
        var address = new Uri(PulseHost.Addresses(app)[0]);
        return new TestServer(app, dir, address, postgres);
    }

    public bool IsCluster => Postgres is not null;

    /// <summary>
    /// Runs SQL straight on the server's metadata database, as someone with access to the database
    /// would (behind Pulse's back): <paramref name="sqlite"/> in embedded mode, <paramref name="postgres"/>
    /// in cluster mode. Returns the first column of the first row, if any.
    /// </summary>
    public async Task<object?> SqlAsync(string sqlite, string postgres)
    {
        await using var c = await OpenSqlAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = IsCluster ? postgres : sqlite;
        return await cmd.ExecuteScalarAsync();
    }

    /// <summary>As <see cref="SqlAsync"/>, every row's column <paramref name="column"/> (as text), for statements such as EXPLAIN.</summary>
    public async Task<List<string>> SqlRowsAsync(string sqlite, string postgres, int column = 0)
    {
        await using var c = await OpenSqlAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = IsCluster ? postgres : sqlite;
        var rows = new List<string>();
        await using var reader = await cmd.ExecuteReaderAsync();
        while (await reader.ReadAsync())
            rows.Add(reader.IsDBNull(column) ? null! : Convert.ToString(reader.GetValue(column), global::System.Globalization.CultureInfo.InvariantCulture)!);
        return rows;
    }

    private async Task<System.Data.Common.DbConnection> OpenSqlAsync()
    {
        System.Data.Common.DbConnection c = IsCluster
            ? new Npgsql.NpgsqlConnection(Postgres)
            : new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(DataDir, "pulse.db")};Pooling=False");
        await c.OpenAsync();
        return c;
    }

    public async Task<T> WithScopeAsync<TService, T>(Func<TService, Task<T>> work) where TService : notnull
    {
        await using var scope = App.Services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    /// <summary>
    /// The workspace's audit trail, newest first, read as its owner reads it (the API's own query), so
    /// that the tests of other modules see the Platform's audit entries without its internals.
    /// </summary>
    public Task<List<AuditEntryDto>> AuditAsync(Guid workspaceId) =>
        WithScopeAsync<AuditQueries, List<AuditEntryDto>>(async audit =>
        {
            var entries = new List<AuditEntryDto>();
            string? cursor = null;
            do
            {
                var page = await audit.ListAsync(Actor.Cli(workspaceId), new AuditFilter(), new PageRequest(cursor, PageRequest.MaxLimit), default);
                entries.AddRange(page.Items);
                cursor = page.NextCursor;
            }
            while (cursor is not null);
            return entries;
        });

    /// <summary>A workspace with a unique name and an owner, as the CLI would make it.</summary>
    public async Task<WorkspaceDto> CreateWorkspaceAsync(string? name = null)
    {
        var unique = name ?? "ws-" + Guid.NewGuid().ToString("N")[..10];
        var owner = await WithScopeAsync<UserService, UserDto>(s => s.CreateAsync(null, $"owner-{Guid.NewGuid():N}@example.com", TestData.Password, null, default));
        return await WithScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsync(unique, owner.Id, null, default));
    }

    public Task<CreatedApiKey> CreateKeyAsync(Guid workspaceId, WorkspaceRole role, string name = "test key") =>
        WithScopeAsync<ApiKeyService, CreatedApiKey>(s => s.CreateAsync(Actor.Cli(workspaceId), name, role.ToString(), null, default));

    public HttpRequestMessage Request(HttpMethod method, string path, string? key, object? json = null)
    {
        var req = new HttpRequestMessage(method, path);
        if (key is not null)
            req.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        if (json is not null)
            req.Content = JsonContent.Create(json);
        return req;
    }

    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, string path, string? key, object? json = null) =>
        await Client.SendAsync(Request(method, path, key, json));

    public static async Task<JsonElement> JsonAsync(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Postgres is not null)
            await Pulse.Tests.Shared.ClusterServices.DropDatabaseAsync(Postgres);
        try
        {
            Directory.Delete(DataDir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

public static class TestData
{
    public const string Password = "Correct-Horse-42";

    public static void AssertStatus(HttpStatusCode expected, HttpResponseMessage response, string? body = null) =>
        Assert.True(expected == response.StatusCode, $"Expected {(int)expected}, got {(int)response.StatusCode}: {body}");
}
