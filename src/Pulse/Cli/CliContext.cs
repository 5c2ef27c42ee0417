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

    private CliContext(ServiceProvider services, DataDirectory data)
    {
        _services = services;
        Data = data;
    }

    public DataDirectory Data { get; }
    public IServiceProvider Services => _services;

    /// <summary>Messages for the person at the terminal (standard error).</summary>
    public static IAnsiConsole Messages { get; } = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });

    /// <param name="migrate">Bring the schema up to date on opening (every command but <c>migrate</c>, which reports what it applied).</param>
    public static async Task<CliContext> OpenAsync(IReadOnlyDictionary<string, string?> flags, CancellationToken ct, bool migrate = true)
    {
        var config = PulseConfiguration.Build(flags);
        var data = DataDirectory.From(config);
        var mode = config["Storage:Mode"];
        if (mode is not null and not "embedded")
            throw new CliException($"Storage:Mode '{mode}' is not supported; use 'embedded'.", 2);
        data.EnsureExists();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddPlatformCore(config, data);
        services.AddCollectCore(config);
        var provider = services.BuildServiceProvider();
        var context = new CliContext(provider, data);
        if (migrate)
            await provider.GetRequiredService<Database>().MigrateAsync(ct);
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
