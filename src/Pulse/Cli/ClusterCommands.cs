using System.CommandLine;
using Pulse.Hosting;
using Pulse.Platform.Storage;

namespace Pulse.Cli;

/// <summary><c>pulse export-to-cluster</c>: moving an embedded installation up to cluster mode.</summary>
internal static class ClusterCommands
{
    public static Command ExportToCluster()
    {
        var cmd = new Command("export-to-cluster",
            "Copy an embedded data directory (--data) into an empty cluster database (--postgres): every module's tables (people, workspaces, keys, " +
            "audit trail, sources, plans, quarantine, profiles, destinations), the key ring and every event with its sequence number; then count both sides. The embedded server must be stopped.");
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var flags = PulseCli.Flags(parsed);
            if (!flags.TryGetValue("Storage:Postgres", out var postgres) || string.IsNullOrWhiteSpace(postgres))
                throw new CliException("Name the cluster's database with --postgres \"Host=…;Database=…;Username=…;Password=…\".", 2);
            var embeddedFlags = new Dictionary<string, string?>(flags, StringComparer.OrdinalIgnoreCase) { ["Storage:Mode"] = StorageOptions.EmbeddedMode };
            embeddedFlags.Remove("Storage:Postgres");
            embeddedFlags.Remove("Storage:Redis");
            // Redis plays no part in the copy; the setting is only required of a node.
            var clusterFlags = new Dictionary<string, string?>(flags, StringComparer.OrdinalIgnoreCase) { ["Storage:Mode"] = StorageOptions.PostgresMode };
            if (!clusterFlags.ContainsKey("Storage:Redis"))
                clusterFlags["Storage:Redis"] = "127.0.0.1:6379";

            var data = DataDirectory.From(PulseConfiguration.Build(embeddedFlags));
            if (!File.Exists(data.DatabasePath))
                throw new CliException($"{data.Path} holds no embedded Pulse data (no {DataDirectory.DatabaseFileName}); name it with --data.", 2);
            if (ServerLock.IsHeld(data))
                throw new CliException($"A Pulse server is running on {data.Path}; stop it first, so that nothing changes during the copy.");

            await using var embedded = await CliContext.OpenAsync(embeddedFlags, ct);
            await using var cluster = await CliContext.OpenAsync(clusterFlags, ct, migrate: false);
            var applied = await cluster.Get<Database>().MigrateAsync(ct);
            if (applied.Count > 0)
                CliOutput.Info($"Applied {applied.Count} migration(s) to the cluster database.");

            // Every part each module registered, in registration order (the Platform's first).
            var parts = embedded.Services.GetServices<IClusterExport>().ToList();
            var run = new ClusterExportRun(embedded.Services, cluster.Services, data, CliOutput.Info, (verb, total) => new ProgressLine(verb, total));
            foreach (var part in parts)
            {
                if (await part.TargetHoldsAsync(run, ct) is { } what)
                    throw new CliException($"The cluster database already holds {what}; export-to-cluster only fills an empty one.");
            }
            for (var i = 0; i < parts.Count; i++)
            {
                CliOutput.Info($"[{i + 1}/{parts.Count}] Copying {parts[i].Name}…");
                await parts[i].CopyAsync(run, ct);
            }

            var checks = new List<ExportCheck>();
            foreach (var part in parts)
                checks.AddRange(await part.VerifyAsync(run, ct));
            CliOutput.Table(["table", "embedded", "cluster", "check"], checks.Select(Row));
            if (checks.Any(c => !c.Matches))
                throw new CliException("The copy does not match the source (see the table above); the cluster database should be dropped and the copy run again.");
            foreach (var part in parts)
                await part.CompleteAsync(run, ct);
            CliOutput.Ok($"Copied {data.Path} into the cluster database: {parts.Count} parts, every count matches.");
            return 0;
        }));
        return cmd;
    }

    private static string?[] Row(ExportCheck check)
    {
        var format = check.IsCount ? "N0" : "D";
        return [check.What, check.Embedded.ToString(format, System.Globalization.CultureInfo.InvariantCulture),
            check.Cluster.ToString(format, System.Globalization.CultureInfo.InvariantCulture), check.Matches ? "ok" : "DIFFERS"];
    }
}
