namespace Pulse.Collect.Log;

/// <summary>What a replay of set-aside events did: appended to the log again, already stored (dropped), or still refused by the store.</summary>
public sealed record SetAsideReplayResult(int Replayed, int Duplicates, int StillFailing);
