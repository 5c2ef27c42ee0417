using Pulse.Collect.Log;

namespace Pulse.Collect.Profiles;

/// <summary>
/// Consent in log order, for modules that act on events for people (destinations, and later
/// triggers and syncs): an event may be acted on only once every consent fact before it in the log
/// (opt-outs and preferences, aliases, ids joining a person) is applied to the profiles that
/// <see cref="ProfileService.PeopleAsync"/> answers from. Facts from the API (an admin's opt-out,
/// merge or erasure) are applied when they are made, so they hold for everything sent after them.
/// </summary>
/// <remarks>
/// Events with no such fact before them since the profile builder's position go at once, read
/// from memory as they arrive; an event behind one waits until the builder has applied it, which is
/// when its person's consent is known.
/// </remarks>
public sealed class ConsentOrder
{
    private static readonly TimeSpan ClusterPoll = TimeSpan.FromMilliseconds(100);
    private readonly EventLog _log;
    private readonly ProfileBuilder _builder;
    private readonly bool _local;
    private readonly TimeProvider _time;

    internal ConsentOrder(EventLog log, ProfileBuilder builder, TimeProvider time)
    {
        _log = log;
        _builder = builder;
        _local = log is EmbeddedEventLog;
        _time = time;
    }

    /// <summary>
    /// The highest log position up to which the workspace's events may be sent now, and the acknowledged
    /// head when asked (sendable below it: a consent fact waits to be applied, and new events will not move it).
    /// </summary>
    public async Task<ConsentHorizon> SendableUpToAsync(Guid workspaceId, CancellationToken ct)
    {
        var applied = _local ? _builder.Position : 0;
        var (sendable, head) = await _log.ConsentHorizonAsync(workspaceId, applied, ct);
        return new ConsentHorizon(sendable, head, applied);
    }

    /// <summary>
    /// Completes when the profile builder may have applied more than when <paramref name="seen"/> was
    /// asked (in a cluster, where another node may run it: after a short while).
    /// </summary>
    public Task AppliedMoreAsync(ConsentHorizon seen, CancellationToken ct)
    {
        if (!_local)
            return Task.Delay(ClusterPoll, _time, ct);
        var progressed = _builder.Progressed;
        return _builder.Position != seen.Applied ? Task.CompletedTask : progressed.WaitAsync(ct);
    }
}

/// <summary>What <see cref="ConsentOrder.SendableUpToAsync"/> found: the last position that may be sent, the acknowledged head, and the profile builder's position it saw.</summary>
public readonly record struct ConsentHorizon(long Sendable, long Head, long Applied)
{
    /// <summary>Whether a reader at <paramref name="position"/> is held by a consent fact (there are events after it, and none may go).</summary>
    public bool Holds(long position) => Sendable <= position && Head > position;
}
