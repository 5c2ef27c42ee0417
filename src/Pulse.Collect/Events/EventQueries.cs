using Pulse.Collect.Log;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Collect.Events;

/// <summary>Reads stored events of a workspace: newest first, keyset-paged on the log position.</summary>
public sealed class EventQueries
{
    private const string CursorKind = "events";
    private readonly EventStore _store;

    internal EventQueries(EventStore store) => _store = store;

    public Task<Page<EventDto>> ListAsync(Actor actor, EventFilter filter, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.EventsRead);
        if (filter.WorkspaceId != actor.WorkspaceId)
            throw new ForbiddenException("Events of another workspace cannot be read.");
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var where = filter.Where(cmd);
        if (page.Cursor is { } cursor)
        {
            where += " AND seq < $before";
            cmd.Parameters.Add(EventStore.Parameter("before", Cursor.DecodeLong(CursorKind, cursor)));
        }
        cmd.CommandText = $"SELECT {EventStore.Columns} FROM all_events WHERE {where} ORDER BY seq DESC LIMIT {page.Limit + 1}";
        using var reader = cmd.ExecuteReader();
        var rows = new List<LoggedEvent>(page.Limit + 1);
        while (reader.Read())
            rows.Add(EventLog.Map(reader));
        var items = rows.Take(page.Limit).Select(EventDto.From).ToList();
        return Task.FromResult(new Page<EventDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Seq) : null));
    }

    /// <summary>How many events match.</summary>
    public Task<long> CountAsync(Actor actor, EventFilter filter, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        if (filter.WorkspaceId != actor.WorkspaceId)
            throw new ForbiddenException("Events of another workspace cannot be read.");
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT count(*) FROM all_events WHERE {filter.Where(cmd)}";
        return Task.FromResult(Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }
}
