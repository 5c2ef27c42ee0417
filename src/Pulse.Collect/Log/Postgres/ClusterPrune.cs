using Npgsql;

namespace Pulse.Collect.Log;

/// <summary>Retention in cluster mode, on request (<c>pulse events prune</c>): the day partitions before the cutoff, dropped or (dry run) only named.</summary>
internal static class ClusterPrune
{
    public static async Task<PruneReport> RunAsync(PostgresEventStore store, DateTime cutoff, bool dryRun, CancellationToken ct)
    {
        await using var c = await store.Source.OpenConnectionAsync(ct);
        var keepFrom = DateOnly.FromDateTime(cutoff);
        var days = dryRun ? LogPartitions.Existing(c).Where(d => d < keepFrom).ToList() : LogPartitions.DropBefore(c, keepFrom);
        return new PruneReport(cutoff, dryRun, 0, [], null, 0, days.Select(LogPartitions.NameOf).ToList());
    }
}
