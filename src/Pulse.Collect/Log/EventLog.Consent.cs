using Pulse.Collect.Ingest;

namespace Pulse.Collect.Log;

public abstract partial class EventLog
{
    /// <summary>
    /// The condition, in SQL, of an event that may change whose consent is what: it carries a consent
    /// fact or an alias, or it names an anonymous id and a user id together (which may join them).
    /// The embedded log narrows the last to pairs it has not seen together before (<see cref="ConsentBarriers"/>).
    /// </summary>
    private protected const string MayChangeConsentSql =
        "(consent IS NOT NULL OR previous_id IS NOT NULL OR type = '" + CallTypes.Alias + "' OR (user_id IS NOT NULL AND anonymous_id IS NOT NULL))";

    /// <summary>
    /// The highest position up to which the workspace's events may be acted on for people now: every
    /// event there comes after no consent fact the profile builder has not applied yet (at most the
    /// head acknowledged when asked, which comes with it). <paramref name="applied"/> is the builder's position where this
    /// process knows it (embedded mode); cluster mode reads the checkpoint of the workspace's partition
    /// (of <see cref="CollectOptions.ProfilePartitions"/>) itself.
    /// </summary>
    internal abstract Task<(long Sendable, long Head)> ConsentHorizonAsync(Guid workspaceId, long applied, CancellationToken ct);

    /// <summary>The profile builder has applied every event up to <paramref name="position"/> (embedded mode keeps its barriers in memory).</summary>
    internal virtual void ConsentApplied(long position)
    {
    }
}
