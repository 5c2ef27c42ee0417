namespace Pulse.Collect.Profiles;

/// <summary>
/// How far the profile builder has applied the event log, for what must read profiles as of a log
/// position (a module building on profiles, a check after ingest). In a cluster the builder's
/// partitions may run on other nodes: <see cref="Position"/> stays 0 until this node holds them all.
/// </summary>
public interface IProfileProgress
{
    /// <summary>The log position up to which every event is applied to the profiles.</summary>
    long Position { get; }

    /// <summary>Completes once every event up to <paramref name="seq"/> is applied.</summary>
    Task CaughtUpAsync(long seq, CancellationToken ct);
}
