namespace Pulse.Collect.Log;

/// <summary>What one append did: events written, events already in the log, and the log head after the commit.</summary>
internal readonly record struct AppendResult(int Stored, int Duplicates, long Head);
