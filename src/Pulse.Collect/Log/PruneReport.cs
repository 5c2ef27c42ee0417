namespace Pulse.Collect.Log;

/// <summary>
/// What applying <c>Collect:RetentionDays</c> removes (or, on a dry run, would remove): events
/// received before <paramref name="Cutoff"/>, per source and day in embedded mode, whole day
/// partitions in cluster mode.
/// </summary>
/// <param name="OldestKept">The arrival of the oldest event that stays (null when none does).</param>
/// <param name="SetAside">Set-aside events received before the cutoff, removed with the others.</param>
public sealed record PruneReport(
    DateTime Cutoff,
    bool DryRun,
    long Events,
    IReadOnlyList<PruneDay> Days,
    DateTime? OldestKept,
    long SetAside,
    IReadOnlyList<string> Partitions);
