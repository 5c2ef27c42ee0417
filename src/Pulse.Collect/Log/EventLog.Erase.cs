using System.Text.Json;
using Pulse.Collect.Events;

namespace Pulse.Collect.Log;

public sealed partial class EventLog
{
    /// <summary>
    /// Deletes every event of the workspace sent with one of <paramref name="ids"/> (as user,
    /// anonymous or previous id), then checkpoints so the rows leave the WAL
    /// too, and drops the segment files already loaded.
    /// </summary>
    internal async Task<long> EraseAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
            return 0L;
        // Everything acknowledged so far must be in the store before it is searched.
        await CaughtUpAsync(TimeSpan.FromMinutes(2), ct);
        long removed = 0;
        using var c = _store.Open();
        lock (_moveGate)
        {
            using var cmd = c.CreateCommand();
            cmd.CommandText = "DELETE FROM events WHERE " + new EventFilter(workspaceId, Ids: ids).Where(cmd);
            removed += cmd.ExecuteNonQuery();
        }
        using (var cmd = c.CreateCommand())
        {
            cmd.CommandText = "CHECKPOINT";
            cmd.ExecuteNonQuery();
        }
        // The erased events' copies in segment files go once the loaded segments are deleted.
        _segments.Roll();
        _segments.DeleteLoaded(ReadableHead);
        return removed;
    }

    /// <summary>Writes every event of the workspace sent with one of <paramref name="ids"/> as a JSON array, oldest first.</summary>
    internal Task ExportAsync(Guid workspaceId, IReadOnlyList<string> ids, Utf8JsonWriter writer, CancellationToken ct)
    {
        writer.WriteStartArray();
        if (ids.Count > 0)
        {
            using var c = _store.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = $"SELECT {EventStore.Columns} FROM all_events WHERE {new EventFilter(workspaceId, Ids: ids).Where(cmd)} ORDER BY seq";
            using var reader = cmd.ExecuteReader();
            while (reader.Read())
            {
                ct.ThrowIfCancellationRequested();
                EventExporter.WriteJson(writer, Map(reader));
            }
        }
        writer.WriteEndArray();
        return Task.CompletedTask;
    }
}
