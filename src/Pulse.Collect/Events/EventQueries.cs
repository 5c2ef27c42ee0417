using Pulse.Collect.Log;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Collect.Events;

/// <summary>Reads stored events of a workspace: newest first, keyset-paged on the log position.</summary>
public sealed class EventQueries
{
    private const string CursorKind = "events";
    private readonly EventStore _store;
    private readonly EventLog? _log;

    /// <param name="log">The server's log, so a list shows what was acknowledged just before; none in the CLI.</param>
    internal EventQueries(EventStore store, EventLog? log)
    {
        _store = store;
        _log = log;
    }

    public async Task<Page<EventDto>> ListAsync(Actor actor, EventFilter filter, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.EventsRead);
        if (filter.WorkspaceId != actor.WorkspaceId)
            throw new ForbiddenException("Events of another workspace cannot be read.");
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var where = filter.Where(cmd);
        if (page.Cursor is { } cursor)
        {
            where += " AND seq < $before";
            EventStore.Add(cmd, "before", Cursor.DecodeLong(CursorKind, cursor));
        }
        // Two steps: the positions first (a narrow scan), then the wide rows of just those, so a page
        // does not read the stored JSON of every event that matches.
        cmd.CommandText = _store.Sql($"SELECT seq FROM all_events WHERE {where} ORDER BY seq DESC LIMIT {page.Limit + 1}");
        var seqs = new List<long>(page.Limit + 1);
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
                seqs.Add(reader.GetInt64(0));
        }
        var rows = new List<LoggedEvent>(seqs.Count);
        if (seqs.Count > 0)
        {
            using var rowsCmd = c.CreateCommand();
            rowsCmd.CommandText = _store.Sql($"SELECT {EventStore.Columns} FROM all_events WHERE seq BETWEEN $lo AND $hi AND seq IN ({string.Join(", ", seqs)}) ORDER BY seq DESC");
            EventStore.Add(rowsCmd, "lo", seqs[^1]);
            EventStore.Add(rowsCmd, "hi", seqs[0]);
            using var reader = rowsCmd.ExecuteReader();
            while (reader.Read())
                rows.Add(EventLog.Map(reader));
        }
        var items = rows.Take(page.Limit).Select(EventDto.From).ToList();
        return new Page<EventDto>(items, rows.Count > page.Limit ? Cursor.Encode(CursorKind, items[^1].Seq) : null);
    }

    /// <summary>The most recent events <see cref="Busiest"/> counts.</summary>
    public const int BusiestWindow = 100_000;

    /// <summary>
    /// Of <paramref name="workspaces"/>, the one with the most of their newest events (the latest
    /// <see cref="BusiestWindow"/> of them counted; ties go to the first named), or null when none has
    /// any: where the panel opens for a person who has not chosen a workspace in this browser yet.
    /// It answers with no figures, so it asks for no permission.
    /// </summary>
    public Guid? Busiest(IReadOnlyList<Guid> workspaces)
    {
        if (workspaces.Count == 0)
            return null;
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var names = EventStore.AddList(cmd, "w", workspaces);
        cmd.CommandText = _store.Sql($"SELECT workspace_id, count(*) FROM (SELECT workspace_id FROM all_events WHERE workspace_id IN ({names}) ORDER BY seq DESC LIMIT {BusiestWindow}) t GROUP BY workspace_id");
        var counts = new Dictionary<Guid, long>();
        using (var reader = cmd.ExecuteReader())
        {
            while (reader.Read())
                counts[reader.GetGuid(0)] = reader.GetInt64(1);
        }
        Guid? best = null;
        long most = 0;
        foreach (var w in workspaces)
        {
            if (counts.TryGetValue(w, out var n) && n > most)
                (best, most) = (w, n);
        }
        return best;
    }

    /// <summary>Events received per hour since <paramref name="since"/>, oldest first (hours without events are left out).</summary>
    public Task<IReadOnlyList<(DateTimeOffset Hour, long Count)>> HourlyVolumeAsync(Actor actor, Guid? sourceId, DateTimeOffset since, CancellationToken ct)
    {
        actor.Demand(Permission.SourcesRead);
        ct.ThrowIfCancellationRequested();
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("SELECT date_trunc('hour', received_at) AS h, count(*) FROM all_events WHERE workspace_id = $ws AND received_at >= $since"
            + (sourceId is null ? "" : " AND source_id = $source") + " GROUP BY 1 ORDER BY 1");
        EventStore.Add(cmd, "ws", actor.WorkspaceId);
        EventStore.Add(cmd, "since", since.UtcDateTime);
        if (sourceId is { } s)
            EventStore.Add(cmd, "source", s);
        using var reader = cmd.ExecuteReader();
        var list = new List<(DateTimeOffset, long)>();
        while (reader.Read())
            list.Add((new DateTimeOffset(DateTime.SpecifyKind(reader.GetDateTime(0), DateTimeKind.Utc)), reader.GetInt64(1)));
        return Task.FromResult<IReadOnlyList<(DateTimeOffset, long)>>(list);
    }
}
