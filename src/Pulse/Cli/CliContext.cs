using Pulse.Destinations;
using Microsoft.Extensions.Configuration;
using Pulse.Collect;
using Pulse.Hosting;
using Pulse.Platform;
using Pulse.Platform.Storage;
using Pulse.Platform.Workspaces;
using Spectre.Console;

namespace Pulse.Cli;

/// <summary>
/// What a data command runs with: the same configuration layers and module services as the
/// server, without a web server. Messages go to standard error; results and secrets to standard output.
/// </summary>
internal sealed class CliContext : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private CliContext(ServiceProvider services, DataDirectory data, StorageOptions storage)
    {
        _services = services;
        Data = data;
        Storage = storage;
    }

    public DataDirectory Data { get; }
    public StorageOptions Storage { get; }

    /// <summary>
    /// A server runs on this embedded data directory and holds the event log (DuckDB) open, so log
    /// commands go through it. In cluster mode every process reaches the log in PostgreSQL itself.
    /// </summary>
    public bool ServerHoldsLog => !Storage.IsPostgres && ServerLock.IsHeld(Data);
    public IServiceProvider Services => _services;

    /// <summary>Messages for the person at the terminal (standard error).</summary>
    public static IAnsiConsole Messages { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <param name="migrate">Prepare the schema on opening (every command but <c>migrate</c>, which reports what it applied):
    /// the embedded store is brought up to date, a cluster's database must already be (see <see cref="Database.PrepareAsync"/>).</param>
    public static async Task<CliContext> OpenAsync(IReadOnlyDictionary<string, string?> flags, CancellationToken ct, bool migrate = true)
    {
        var config = PulseConfiguration.Build(flags);
        var data = DataDirectory.From(config);
        var storage = PulseCli.StorageFrom(config);
        if (!storage.IsPostgres)
            data.EnsureExists();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPlatformCore(config, data);
        services.AddCollectCore(config);
        services.AddDestinations(config);
        var provider = services.BuildServiceProvider();
        var context = new CliContext(provider, data, storage);
        if (migrate)
            await provider.GetRequiredService<Database>().PrepareAsync(ct);
        return context;
    }

    public T Get<T>() where T : notnull => _services.GetRequiredService<T>();

    public async Task<WorkspaceDto> WorkspaceAsync(string nameOrId, CancellationToken ct)
    {
        await using var scope = _services.CreateAsyncScope();
        return await scope.ServiceProvider.GetRequiredService<WorkspaceService>().FindAsync(nameOrId, ct)
            ?? throw new CliException($"No workspace is named or has the id '{nameOrId}'. See 'pulse workspace list'.");
    }

    public async Task<T> InScopeAsync<TService, T>(Func<TService, Task<T>> work) where TService : notnull
    {
        await using var scope = _services.CreateAsyncScope();
        return await work(scope.ServiceProvider.GetRequiredService<TService>());
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
