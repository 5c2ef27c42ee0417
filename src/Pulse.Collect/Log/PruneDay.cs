namespace Pulse.Collect.Log;

/// <summary>Events of one source received on one UTC day that a prune removes.</summary>
public sealed record PruneDay(Guid SourceId, DateOnly Day, long Events);
