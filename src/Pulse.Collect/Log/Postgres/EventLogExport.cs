using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Storage;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Log.Postgres;

/// <summary>
/// The event log in <c>pulse export-to-cluster</c>: every event of the embedded store (DuckDB) into
/// the cluster's partitioned table by binary COPY with its sequence number, then the head and the
/// deduplication window (<see cref="LogCopy"/>).
/// </summary>
internal sealed class EventLogExport : IClusterExport
{
    public string Name => "event log";

    public IReadOnlyList<Type> Stores { get; } = [typeof(PostgresLogSchema)];

    public Task<string?> TargetHoldsAsync(ClusterExportRun run, CancellationToken ct)
    {
        var events = LogCopy.Count(run.Cluster.GetRequiredService<EventStore>());
        return Task.FromResult(events > 0 ? $"{events:N0} event(s)" : null);
    }

    public async Task CopyAsync(ClusterExportRun run, CancellationToken ct)
    {
        var source = (DuckDbEventStore)run.Embedded.GetRequiredService<EventStore>();
        var target = (PostgresEventStore)run.Cluster.GetRequiredService<EventStore>();
        var progress = run.Progress("Copied", LogCopy.Count(source));
        var window = run.Cluster.GetRequiredService<IOptions<CollectOptions>>().Value.DedupWindowDays;
        var now = run.Cluster.GetRequiredService<TimeProvider>().GetUtcNow().UtcDateTime;
        var copied = await LogCopy.CopyAsync(source, target, window, now, progress, ct);
        run.Report($"Copied {copied:N0} events with their sequence numbers, the log's head and the deduplication window.");
    }

    public Task<IReadOnlyList<ExportCheck>> VerifyAsync(ClusterExportRun run, CancellationToken ct)
    {
        var (embedded, cluster) = (run.Embedded.GetRequiredService<EventStore>(), run.Cluster.GetRequiredService<EventStore>());
        return Task.FromResult<IReadOnlyList<ExportCheck>>(
        [
            new ExportCheck("events", LogCopy.Count(embedded), LogCopy.Count(cluster)),
            new ExportCheck("events: last sequence number", LogCopy.MaxSeq(embedded), LogCopy.MaxSeq(cluster), IsCount: false),
        ]);
    }
}
