using System.CommandLine;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Collect;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Storage;
using Pulse.Hosting;
using Pulse.Platform;
using Pulse.Platform.Storage;

namespace Pulse.Cli;

/// <summary><c>pulse export-to-cluster</c>: moving an embedded installation up to cluster mode.</summary>
internal static class ClusterCommands
{
    public static Command ExportToCluster()
    {
        var cmd = new Command("export-to-cluster",
            "Copy an embedded data directory (--data) into an empty cluster database (--postgres): people, workspaces, keys, audit trail, " +
            "sources, plans, quarantine, profiles and every event with its sequence number; then count both sides. The embedded server must be stopped.");
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
            if (await NonEmptyAsync(cluster, ct) is { } what)
                throw new CliException($"The cluster database already holds {what}; export-to-cluster only fills an empty one.");

            CliOutput.Info("Copying metadata…");
            await CopyMetadataAsync<PulseDbContext>(embedded, cluster, ct);
            await CopyMetadataAsync<CollectDbContext>(embedded, cluster, ct);
            await CopyMetadataAsync<ProfilesDbContext>(embedded, cluster, ct);
            // Secrets stay decryptable: the key ring is copied too.
            await CopyMetadataAsync<Pulse.Destinations.Storage.DestinationsDbContext>(embedded, cluster, ct);
            var keys = await CopyKeysAsync(data, cluster, ct);
            CliOutput.Info($"data_protection_keys: {keys} key(s) (sign-in cookies and account links stay valid)");

            var source = embedded.Get<EventStore>();
            var target = (PostgresEventStore)cluster.Get<EventStore>();
            var total = LogCopy.Count(source);
            var progress = new ProgressLine("Copied", total);
            var options = cluster.Get<IOptions<CollectOptions>>().Value;
            var copied = await LogCopy.CopyAsync((DuckDbEventStore)source, target, options.DedupWindowDays, cluster.Get<TimeProvider>().GetUtcNow().UtcDateTime, progress, ct);
            progress.Done(copied);

            var ok = await VerifyAsync(embedded, cluster, ct);
            await SplitProfileCheckpointAsync(cluster, options.ProfilePartitions, ct);
            if (!ok)
                throw new CliException("The copy does not match the source (see the table above); the cluster database should be dropped and the copy run again.");
            CliOutput.Ok($"Copied {data.Path} into the cluster database: {copied:N0} events and every table match.");
            return 0;
        }));
        return cmd;
    }

    private static async Task<string?> NonEmptyAsync(CliContext cluster, CancellationToken ct)
    {
        var users = await cluster.InScopeAsync<PulseDbContext, long>(db => db.Users.LongCountAsync(ct));
        if (users > 0)
            return $"{users} user(s)";
        var events = LogCopy.Count(cluster.Get<EventStore>());
        return events > 0 ? $"{events} event(s)" : null;
    }

    private static async Task CopyMetadataAsync<TContext>(CliContext embedded, CliContext cluster, CancellationToken ct) where TContext : Microsoft.EntityFrameworkCore.DbContext
    {
        await using var from = embedded.Services.CreateAsyncScope();
        await using var to = cluster.Services.CreateAsyncScope();
        var target = to.ServiceProvider.GetRequiredService<TContext>();
        await using var tx = await target.Database.BeginTransactionAsync(ct);
        await MetadataCopy.CopyAsync(from.ServiceProvider.GetRequiredService<TContext>(), target, m => CliOutput.Info("  " + m), ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The embedded key ring (files in keys/) goes into the cluster's shared table.</summary>
    private static async Task<int> CopyKeysAsync(DataDirectory data, CliContext cluster, CancellationToken ct)
    {
        var dir = Path.Combine(data.Path, "keys");
        if (!Directory.Exists(dir))
            return 0;
        await using var scope = cluster.Services.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<PostgresPulseDbContext>();
        var n = 0;
        foreach (var file in Directory.EnumerateFiles(dir, "*.xml").Order(StringComparer.Ordinal))
        {
            db.DataProtectionKeys.Add(new Microsoft.AspNetCore.DataProtection.EntityFrameworkCore.DataProtectionKey
            {
                FriendlyName = Path.GetFileNameWithoutExtension(file),
                Xml = await File.ReadAllTextAsync(file, ct),
            });
            n++;
        }
        await db.SaveChangesAsync(ct);
        return n;
    }

    /// <summary>Counts every table and the log on both sides and prints them; false if any differs.</summary>
    private static async Task<bool> VerifyAsync(CliContext embedded, CliContext cluster, CancellationToken ct)
    {
        var rows = new List<string?[]>();
        var ok = true;
        async Task CompareAsync<TContext>() where TContext : Microsoft.EntityFrameworkCore.DbContext
        {
            var a = await embedded.InScopeAsync<TContext, IReadOnlyDictionary<string, long>>(db => MetadataCopy.CountAsync(db, ct));
            var b = await cluster.InScopeAsync<TContext, IReadOnlyDictionary<string, long>>(db => MetadataCopy.CountAsync(db, ct));
            foreach (var (table, count) in a)
            {
                var other = b.GetValueOrDefault(table, -1);
                ok &= other == count;
                rows.Add(Row(table, count, other));
            }
        }
        await CompareAsync<PulseDbContext>();
        await CompareAsync<CollectDbContext>();
        await CompareAsync<ProfilesDbContext>();
        await CompareAsync<Pulse.Destinations.Storage.DestinationsDbContext>();
        var (events, clusterEvents) = (LogCopy.Count(embedded.Get<EventStore>()), LogCopy.Count(cluster.Get<EventStore>()));
        var (maxSeq, clusterMaxSeq) = (LogCopy.MaxSeq(embedded.Get<EventStore>()), LogCopy.MaxSeq(cluster.Get<EventStore>()));
        ok &= events == clusterEvents && maxSeq == clusterMaxSeq;
        rows.Add(Row("events", events, clusterEvents));
        rows.Add(Row("events: last sequence number", maxSeq, clusterMaxSeq, "D"));
        CliOutput.Table(["table", "embedded", "cluster", "check"], rows);
        return ok;
    }

    private static string?[] Row(string what, long embedded, long cluster, string format = "N0") =>
        [what, embedded.ToString(format, System.Globalization.CultureInfo.InvariantCulture), cluster.ToString(format, System.Globalization.CultureInfo.InvariantCulture), embedded == cluster ? "ok" : "DIFFERS"];

    /// <summary>
    /// The embedded profile builder's one checkpoint becomes each cluster partition's, so the cluster
    /// goes on after the copied profiles instead of applying every event to them again.
    /// </summary>
    private static Task SplitProfileCheckpointAsync(CliContext cluster, int partitions, CancellationToken ct) =>
        cluster.InScopeAsync<ProfilesDbContext, bool>(async db =>
        {
            var seq = await db.Progress.Where(p => p.Consumer == ProfileBuilder.ConsumerName).Select(p => (long?)p.Seq).FirstOrDefaultAsync(ct);
            if (seq is null)
                return false;
            if (partitions == 1)
                return true;
            for (var part = 0; part < partitions; part++)
                db.Progress.Add(new ConsumerProgress { Consumer = ProfileBuilder.ConsumerOf(part, partitions), Seq = seq.Value });
            await db.SaveChangesAsync(ct);
            return true;
        });
}
