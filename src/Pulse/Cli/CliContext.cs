using Microsoft.Extensions.Configuration;
using Pulse.Collect;
using Pulse.Hosting;
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
    private readonly List<IHostedService> _started = [];

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
    /// <param name="log">The command writes the event log: unless a server holds it (<see cref="ServerHoldsLog"/>, then the
    /// command goes through the server), the log is added with <see cref="CollectModule.AddCollectLog"/> and started here, and
    /// stopped when the context is disposed.</param>
    public static async Task<CliContext> OpenAsync(IReadOnlyDictionary<string, string?> flags, CancellationToken ct, bool migrate = true, bool log = false)
    {
        var config = PulseConfiguration.Build(flags);
        var data = DataDirectory.From(config);
        var storage = PulseCli.StorageFrom(config);
        if (!storage.IsPostgres)
            data.EnsureExists();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPulseModules(config, data);
        var background = new List<int>();
        if (log && (storage.IsPostgres || !ServerLock.IsHeld(data)))
        {
            var before = services.Where(d => d.ServiceType == typeof(IHostedService)).Count();
            services.AddCollectLog();
            background.AddRange(Enumerable.Range(before, services.Where(d => d.ServiceType == typeof(IHostedService)).Count() - before));
        }
        var provider = services.BuildServiceProvider();
        var context = new CliContext(provider, data, storage);
        try
        {
            if (migrate)
                await provider.GetRequiredService<Database>().PrepareAsync(ct);
            await context.StartAsync(background, ct);
        }
        catch
        {
            await context.DisposeAsync();
            throw;
        }
        return context;
    }

    /// <summary>
    /// Starts the background services <see cref="CollectModule.AddCollectLog"/> registered (by their
    /// places among the hosted services), as a host would; not the others, such as the key ring's
    /// warm-up, which must not touch a data directory that <c>restore</c> is about to replace.
    /// </summary>
    private async Task StartAsync(List<int> background, CancellationToken ct)
    {
        if (background.Count == 0)
            return;
        var hosted = _services.GetServices<IHostedService>().ToList();
        foreach (var i in background)
        {
            await hosted[i].StartAsync(ct);
            _started.Add(hosted[i]);
        }
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

    public async ValueTask DisposeAsync()
    {
        for (var i = _started.Count - 1; i >= 0; i--)
            await _started[i].StopAsync(CancellationToken.None);
        _started.Clear();
        await _services.DisposeAsync();
    }
}
