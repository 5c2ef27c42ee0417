using System.Globalization;
using Pulse.Collect.Log;

namespace Pulse.Collect.Events;

/// <summary>One group of <see cref="TrackedCounts"/>: all events, distinct people (anonymous ids) and the share from bots.</summary>
public sealed record TrackedCount(string Key, long Total, long Unique, long Bots);

/// <summary>What <see cref="TrackedCounts.BreakdownAsync"/> groups by.</summary>
public enum TrackedDimension
{
    /// <summary>The UTC day the event was received (<c>yyyy-MM-dd</c>).</summary>
    Day,
    Country,
    Device,
    Browser,
    Os,
    Referrer,
    /// <summary>A property of the event, named by the call.</summary>
    Property,
}

/// <summary>
/// Counts of one track event of a workspace by the value of one of its properties (a link's clicks
/// by link id), for modules that record their own events on the log (see <c>ServerIngest</c>): the
/// log is the one record of them, so these counts survive restarts and equal what consumers saw.
/// Callers check permissions; the workspace scopes every query.
/// </summary>
public sealed class TrackedCounts
{
    public const int MaxKeys = 1000;
    private readonly EventStore _store;
    private readonly EventLog? _log;

    internal TrackedCounts(EventStore store, EventLog? log)
    {
        _store = store;
        _log = log;
    }

    /// <summary>
    /// Per UTC day (yyyy-MM-dd) in [<paramref name="from"/>, <paramref name="to"/>), by event time: the
    /// distinct people (anonymous ids of events not by bots) whose events have <c>properties.{property}</c> = <paramref name="value"/>.
    /// </summary>
    public async Task<IReadOnlyDictionary<string, long>> DailyPeopleAsync(Guid workspace, string eventName, string property, string value,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        CheckName(property);
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {_store.DayText("ts")}, count(DISTINCT anonymous_id) FROM all_events WHERE workspace_id = $ws AND event = $event "
            + $"AND {_store.JsonText("raw", "properties", property)} = $value AND ts >= $from AND ts < $to AND NOT is_bot AND anonymous_id IS NOT NULL GROUP BY 1");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "value", value);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        var result = new Dictionary<string, long>(StringComparer.Ordinal);
        using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result[reader.GetString(0)] = Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture);
        return result;
    }

    /// <summary>
    /// Per value of <c>properties.{property}</c> (the most frequent <see cref="MaxKeys"/>) of the events
    /// that happened in [<paramref name="from"/>, <paramref name="to"/>): total, unique people (anonymous ids of events not by bots) and bot events.
    /// </summary>
    public async Task<IReadOnlyList<TrackedCount>> GroupAsync(Guid workspace, string eventName, string property, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        CheckName(property);
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var prop = _store.JsonText("raw", "properties", property);
        cmd.CommandText = _store.Sql($"SELECT {prop}, count(*), count(DISTINCT anonymous_id) FILTER (WHERE NOT is_bot), count(*) FILTER (WHERE is_bot) FROM all_events "
            + $"WHERE workspace_id = $ws AND event = $event AND ts >= $from AND ts < $to AND {prop} IS NOT NULL GROUP BY 1 ORDER BY 2 DESC LIMIT {MaxKeys}");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        var result = new List<TrackedCount>();
        using var reader = await cmd.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
            result.Add(new TrackedCount(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return result;
    }

    /// <summary>Per value of <c>properties.{property}</c> among <paramref name="values"/> (at most <see cref="MaxKeys"/>): total, unique and bot events.</summary>
    public async Task<IReadOnlyDictionary<string, TrackedCount>> CountAsync(Guid workspace, string eventName, string property, IReadOnlyCollection<string> values, CancellationToken ct)
    {
        if (values.Count == 0)
            return new Dictionary<string, TrackedCount>(StringComparer.Ordinal);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(values.Count, MaxKeys);
        CheckName(property);
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        var names = EventStore.AddList(cmd, "v", values);
        var prop = _store.JsonText("raw", "properties", property);
        cmd.CommandText = _store.Sql($"SELECT k, count(*), count(DISTINCT anonymous_id), count(*) FILTER (WHERE is_bot) FROM (SELECT {prop} AS k, anonymous_id, is_bot FROM all_events "
            + $"WHERE workspace_id = $ws AND event = $event) t WHERE k IN ({names}) GROUP BY k");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        var result = new Dictionary<string, TrackedCount>(StringComparer.Ordinal);
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
        {
            var key = reader.GetString(0);
            result[key] = new TrackedCount(key, reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3));
        }
        return result;
    }

    /// <summary>
    /// The events whose <c>properties.{property}</c> is <paramref name="value"/>, grouped by
    /// <paramref name="dimension"/> (most first; days in order), since <paramref name="from"/>.
    /// </summary>
    public async Task<IReadOnlyList<TrackedCount>> BreakdownAsync(Guid workspace, string eventName, string property, string value, TrackedDimension dimension,
        string? dimensionProperty, DateTimeOffset? from, CancellationToken ct)
    {
        CheckName(property);
        if (dimension == TrackedDimension.Property)
            CheckName(dimensionProperty ?? throw new ArgumentNullException(nameof(dimensionProperty)));
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        var key = dimension switch
        {
            TrackedDimension.Day => _store.DayText("received_at"),
            TrackedDimension.Country => "country",
            TrackedDimension.Device => "device_type",
            TrackedDimension.Browser => "browser",
            TrackedDimension.Os => "os",
            TrackedDimension.Referrer => "referrer_domain",
            _ => _store.JsonText("raw", "properties", dimensionProperty!),
        };
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT coalesce({key}, ''), count(*), count(DISTINCT anonymous_id), count(*) FILTER (WHERE is_bot) FROM all_events "
            + $"WHERE workspace_id = $ws AND event = $event AND {_store.JsonText("raw", "properties", property)} = $value"
            + (from is null ? "" : " AND received_at >= $from")
            + $" GROUP BY 1 ORDER BY {(dimension == TrackedDimension.Day ? "1" : "2 DESC, 1")} LIMIT 1000");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "value", value);
        if (from is { } f)
            EventStore.Add(cmd, "from", f.UtcDateTime);
        var list = new List<TrackedCount>();
        using var reader = cmd.ExecuteReader();
        while (reader.Read())
            list.Add(new TrackedCount(reader.GetString(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return list;
    }

    /// <summary>Property names go into SQL as JSON paths, so only plain names are allowed.</summary>
    private static void CheckName(string name)
    {
        if (name.Length is 0 or > 64 || !name.All(ch => char.IsAsciiLetterOrDigit(ch) || ch == '_'))
            throw new ArgumentException($"'{name}' is not a plain property name.", nameof(name));
    }
}
