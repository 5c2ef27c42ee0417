using Microsoft.Extensions.Logging;
using Pulse.Platform.Access;
using Pulse.Collect.Events;

namespace Pulse.Collect.Log;

internal sealed partial class EmbeddedEventLog
{
    /// <summary>
    /// Deletes every event of the workspace sent with one of <paramref name="ids"/> (as user,
    /// anonymous or previous id), then checkpoints so the rows leave the WAL
    /// too, and drops the segment files already loaded.
    /// </summary>
    internal override async Task<long> EraseAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return 0L;
        _recent.Erase(workspaceId, ids);
        // Everything acknowledged so far must be in the store before it is searched; if the store
        // is far behind (a burst), the erasure is refused for now rather than done in part.
        var target = Head;
        await CaughtUpAsync(TimeSpan.FromMinutes(2), ct);
        long removed = 0;
        using var c = _duck.Open();
        lock (_moveGate)
        {
            if (ReadableHead < target)
                throw new UnavailableException($"The event store is {target - ReadableHead} events behind the log; retry the erasure once it has caught up.", 60);
            using (var cmd = c.CreateCommand())
            {
                cmd.CommandText = "DELETE FROM events WHERE " + new EventFilter(workspaceId, Ids: ids).Where(cmd);
                removed += cmd.ExecuteNonQuery();
            }
            removed += SetAsideStore.Erase(c, workspaceId, ids);
            Checkpoint(c);
        }
        // The erased events' copies in segment files go once the loaded segments are deleted.
        _segments.Roll();
        _segments.DeleteLoaded(ReadableHead);
        return removed;
    }

    [LoggerMessage(EventId = 2008, Level = LogLevel.Debug, Message = "The checkpoint after an erasure or a prune waits for readers: {Reason}")]
    private static partial void LogCheckpointRetried(ILogger logger, string reason);

    [LoggerMessage(EventId = 2009, Level = LogLevel.Warning, Message = "The checkpoint after an erasure or a prune could not run; the deleted rows leave DuckDB's WAL with the next automatic checkpoint.")]
    private static partial void LogCheckpointDeferred(ILogger logger, Exception e);
}
