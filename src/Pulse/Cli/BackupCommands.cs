using System.CommandLine;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;
using Spectre.Console;

namespace Pulse.Cli;

internal static class BackupCommands
{
    private const string ClusterBackups =
        "backup and restore copy an embedded data directory. In cluster mode back up PostgreSQL with pg_dump or a base backup with WAL archiving (docs/operations.md); Redis holds nothing that a restore needs.";

    private static void RefuseCluster(System.CommandLine.ParseResult parsed)
    {
        if (PulseCli.StorageFrom(PulseConfiguration.Build(PulseCli.Flags(parsed))).IsPostgres)
            throw new CliException(ClusterBackups, 2);
    }

    public static Command Backup()
    {
        var file = new Argument<string>("file") { Description = "The archive to write (a .zip outside the data directory)." };
        var force = new Option<bool>("--force") { Description = "Overwrite the file if it exists." };
        var cmd = new Command("backup", "Write a consistent copy of the data directory, also while the server runs.") { file, force };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            RefuseCluster(parsed);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            BackupManifest? manifest = null;
            await WithProgressAsync("Backing up", p => async () =>
                manifest = await cli.Get<Backups>().CreateAsync(parsed.GetValue(file)!, parsed.GetValue(force), p, ct));
            await RecordAsync(cli, "backup.created", parsed.GetValue(file)!, ct);
            CliOutput.Ok($"Backup written to {Path.GetFullPath(parsed.GetValue(file)!)} ({manifest!.Files.Count} file(s), {manifest.Files.Sum(f => f.Size):N0} bytes).");
            return 0;
        }));
        return cmd;
    }

    public static Command Restore()
    {
        var file = new Argument<string>("file") { Description = "An archive written by 'pulse backup'." };
        var force = new Option<bool>("--force") { Description = "Replace a data directory that is not empty (its content is kept beside it)." };
        var cmd = new Command("restore", "Replace the data directory with a backup. The server must be stopped.") { file, force };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            RefuseCluster(parsed);
            var config = PulseConfiguration.Build(PulseCli.Flags(parsed));
            var data = DataDirectory.From(config);
            if (ServerLock.IsHeld(data))
                throw new CliException($"A Pulse server is running on {data.Path}; stop it before restoring.");
            (BackupManifest Manifest, string? KeptAt) result = default;
            // Opened without touching the store, which the restore replaces.
            await using (var offline = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, migrate: false))
            {
                await WithProgressAsync("Restoring", p => async () =>
                    result = await offline.Get<Backups>().RestoreAsync(parsed.GetValue(file)!, parsed.GetValue(force), p, ct));
            }
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            await RecordAsync(cli, "backup.restored", parsed.GetValue(file)!, ct);
            CliOutput.Ok($"Restored {data.Path} from {Path.GetFullPath(parsed.GetValue(file)!)} (made {result.Manifest!.CreatedAt:yyyy-MM-dd HH:mm} UTC).");
            if (result.KeptAt is not null)
                CliOutput.Info($"The previous content is kept at {result.KeptAt}.");
            return 0;
        }));
        return cmd;
    }

    private static Task RecordAsync(CliContext cli, string action, string archive, CancellationToken ct) =>
        cli.InScopeAsync<PulseDbContext, bool>(async db =>
        {
            await cli.Get<AuditTrail>().RecordAsync(db, Actor.Cli(Guid.Empty), new AuditRecord(action, "backup", Path.GetFullPath(archive)), ct);
            return true;
        });

    private static Task WithProgressAsync(string label, Func<IProgress<(long Done, long Total)>, Func<Task>> work) =>
        CliContext.Messages.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new TransferSpeedColumn())
            .StartAsync(async ctx =>
            {
                var task = ctx.AddTask(label, maxValue: 1);
                await work(new Progress<(long Done, long Total)>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                }))();
                task.Value = task.MaxValue;
            });
}
