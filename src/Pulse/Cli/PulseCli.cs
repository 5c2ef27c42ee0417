using System.CommandLine;
using System.CommandLine.Parsing;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Spectre.Console;

namespace Pulse.Cli;

/// <summary>The <c>pulse</c> command line. Exit codes: 0 ok, 1 failed, 2 bad usage.</summary>
internal static class PulseCli
{
    public static readonly Option<string> Data = new("--data")
    {
        Description = "Data directory (default ./pulse-data; also PULSE_Storage__DataDirectory).",
        Recursive = true,
    };

    public static readonly Option<string> Storage = new("--storage")
    {
        Description = "Storage mode: embedded (default: files in --data) or postgres (cluster mode; also PULSE_Storage__Mode).",
        Recursive = true,
    };

    public static readonly Option<string> Postgres = new("--postgres")
    {
        Description = "Cluster mode: PostgreSQL connection string, e.g. \"Host=db;Database=pulse;Username=pulse;Password=…\" (also PULSE_Storage__Postgres).",
        Recursive = true,
    };

    public static readonly Option<string> Redis = new("--redis")
    {
        Description = "Cluster mode: Redis server, e.g. redis:6379 or \"redis:6379,password=…\" (also PULSE_Storage__Redis).",
        Recursive = true,
    };

    /// <summary>The storage settings of <paramref name="config"/>, or a usage error (exit 2) naming what is wrong.</summary>
    public static Platform.Storage.StorageOptions StorageFrom(Microsoft.Extensions.Configuration.IConfiguration config)
    {
        try
        {
            return Platform.Storage.StorageOptions.From(config);
        }
        catch (Platform.Storage.StorageConfigurationException e)
        {
            throw new CliException(e.Message, 2);
        }
    }

    public static async Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("Pulse: self-hosted social-media marketing platform.");
        root.Options.Add(Data);
        root.Options.Add(Storage);
        root.Options.Add(Postgres);
        root.Options.Add(Redis);
        root.Subcommands.Add(ServerCommands.Serve());
        root.Subcommands.Add(ServerCommands.Demo());
        root.Subcommands.Add(ServerCommands.Migrate());
        root.Subcommands.Add(PeopleCommands.User());
        root.Subcommands.Add(PeopleCommands.Workspace());
        root.Subcommands.Add(ApiKeyCommands.ApiKey());
        root.Subcommands.Add(SourceCommands.Source());
        root.Subcommands.Add(DestinationCommands.Destination());
        root.Subcommands.Add(DeliveryCommands.Replay());
        root.Subcommands.Add(EventCommands.Events());
        root.Subcommands.Add(PlanCommands.Plan());
        root.Subcommands.Add(QuarantineCommands.Quarantine());
        root.Subcommands.Add(AlertCommands.Alert());
        root.Subcommands.Add(AuditCommands.Audit());
        root.Subcommands.Add(BackupCommands.Backup());
        root.Subcommands.Add(BackupCommands.Restore());
        root.Subcommands.Add(ClusterCommands.ExportToCluster());
        root.Subcommands.Add(AttributionCommands.Attribution());
        root.Subcommands.Add(CreatorCommands.Creator());
        root.Subcommands.Add(LinkCommands.Link());
        root.Subcommands.Add(CommissionCommands.Commission());

        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var error in parsed.Errors)
                await Console.Error.WriteLineAsync("error: " + error.Message);
            await Console.Error.WriteLineAsync($"Run '{CommandPath(parsed)} --help' for usage.");
            return 2;
        }
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        return await parsed.InvokeAsync(new InvocationConfiguration { EnableDefaultExceptionHandler = false }, cts.Token);
    }

    /// <summary>The flags a command was given, as configuration keys; absent flags leave the lower layers alone.</summary>
    public static Dictionary<string, string?> Flags(ParseResult parsed, Option<string>? urls = null)
    {
        var flags = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        if (parsed.GetValue(Data) is { } data)
            flags["Storage:DataDirectory"] = data;
        if (parsed.GetValue(Storage) is { } storage)
            flags["Storage:Mode"] = storage;
        if (parsed.GetValue(Postgres) is { } postgres)
            flags["Storage:Postgres"] = postgres;
        if (parsed.GetValue(Redis) is { } redis)
            flags["Storage:Redis"] = redis;
        if (urls is not null && parsed.GetValue(urls) is { } u)
            flags["urls"] = u;
        return flags;
    }

    /// <summary>Runs a command body, turning known failures into a one-line message and an exit code.</summary>
    public static Func<ParseResult, CancellationToken, Task<int>> Guarded(Func<ParseResult, CancellationToken, Task<int>> body) =>
        async (parsed, ct) =>
        {
            try
            {
                return await body(parsed, ct);
            }
            catch (Platform.Storage.StorageConfigurationException e)
            {
                CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 2;
            }
            catch (Platform.Storage.SchemaBehindException e)
            {
                CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
            catch (CliException e)
            {
                CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return e.ExitCode;
            }
            catch (ValidationException e)
            {
                foreach (var (field, messages) in e.Errors)
                    CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {field}: {string.Join(" ", messages)}");
                return 2;
            }
            catch (Exception e) when (e is NotFoundException or ConflictException or ForbiddenException)
            {
                CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
            catch (OperationCanceledException)
            {
                CliContext.Messages.MarkupLine("[yellow]cancelled[/]");
                return 1;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or System.Data.Common.DbException or InvalidDataException)
            {
                CliContext.Messages.MarkupLineInterpolated($"[red]error:[/] {e.Message}");
                return 1;
            }
        };

    private static string CommandPath(ParseResult parsed)
    {
        var names = new List<string>();
        for (var c = parsed.CommandResult; c is not null; c = c.Parent as CommandResult)
            names.Insert(0, c.Command.Name);
        names[0] = "pulse";
        return string.Join(' ', names);
    }
}
