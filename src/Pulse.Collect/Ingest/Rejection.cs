namespace Pulse.Collect.Ingest;

/// <summary>One message of a request that was not stored, and why.</summary>
public sealed record Rejection(int Index, string Reason);
