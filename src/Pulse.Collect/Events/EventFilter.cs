using System.Data.Common;
using System.Text;
using Pulse.Collect.Log;

namespace Pulse.Collect.Events;

/// <summary>Which events of a workspace a list or an export covers. Empty fields do not filter.</summary>
/// <param name="Ids">User or anonymous ids of one person (a profile); events of any of them match.</param>
public sealed record EventFilter(
    Guid WorkspaceId,
    Guid? SourceId = null,
    string? Type = null,
    string? Event = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    IReadOnlyList<string>? Ids = null)
{
    /// <summary>The WHERE clause over <c>events</c>, with its parameters added to <paramref name="cmd"/>.</summary>
    internal string Where(DbCommand cmd)
    {
        var sql = new StringBuilder("workspace_id = $ws");
        EventStore.Add(cmd, "ws", WorkspaceId);
        if (SourceId is { } s)
        {
            sql.Append(" AND source_id = $source");
            EventStore.Add(cmd, "source", s);
        }
        if (Type is not null)
        {
            sql.Append(" AND type = $type");
            EventStore.Add(cmd, "type", Type);
        }
        if (Event is not null)
        {
            sql.Append(" AND event = $event");
            EventStore.Add(cmd, "event", Event);
        }
        if (From is { } f)
        {
            sql.Append(" AND ts >= $from");
            EventStore.Add(cmd, "from", f.UtcDateTime);
        }
        if (To is { } t)
        {
            sql.Append(" AND ts < $to");
            EventStore.Add(cmd, "to", t.UtcDateTime);
        }
        if (Ids is { Count: > 0 } ids)
        {
            // An IN list of parameters: DuckDB compares it far faster than ANY() over a list parameter.
            var names = new StringBuilder();
            for (var i = 0; i < ids.Count; i++)
            {
                names.Append(i == 0 ? "$id0" : $", $id{i}");
                EventStore.Add(cmd, "id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ids[i]);
            }
            sql.Append($" AND (user_id IN ({names}) OR anonymous_id IN ({names}) OR previous_id IN ({names}))");
        }
        return sql.ToString();
    }
}
