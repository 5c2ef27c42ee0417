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
        cmd.Parameters.Add(EventStore.Parameter("ws", WorkspaceId));
        if (SourceId is { } s)
        {
            sql.Append(" AND source_id = $source");
            cmd.Parameters.Add(EventStore.Parameter("source", s));
        }
        if (Type is not null)
        {
            sql.Append(" AND type = $type");
            cmd.Parameters.Add(EventStore.Parameter("type", Type));
        }
        if (Event is not null)
        {
            sql.Append(" AND event = $event");
            cmd.Parameters.Add(EventStore.Parameter("event", Event));
        }
        if (From is { } f)
        {
            sql.Append(" AND ts >= $from");
            cmd.Parameters.Add(EventStore.Parameter("from", f.UtcDateTime));
        }
        if (To is { } t)
        {
            sql.Append(" AND ts < $to");
            cmd.Parameters.Add(EventStore.Parameter("to", t.UtcDateTime));
        }
        if (Ids is { Count: > 0 } ids)
        {
            // An IN list of parameters: DuckDB compares it far faster than ANY() over a list parameter.
            var names = new StringBuilder();
            for (var i = 0; i < ids.Count; i++)
            {
                names.Append(i == 0 ? "$id0" : $", $id{i}");
                cmd.Parameters.Add(EventStore.Parameter("id" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), ids[i]));
            }
            sql.Append($" AND (user_id IN ({names}) OR anonymous_id IN ({names}) OR previous_id IN ({names}))");
        }
        return sql.ToString();
    }
}
