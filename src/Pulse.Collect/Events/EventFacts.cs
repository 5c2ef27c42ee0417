using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Log;

namespace Pulse.Collect.Events;

/// <summary>One stored event as the fraud checks read it: when, who, from where and with what client.</summary>
public sealed record EventFact(
    string MessageId,
    DateTimeOffset At,
    string? AnonymousId,
    string? Ip,
    bool IsBot,
    string? BotName,
    string? UserAgent,
    string? ReferrerDomain,
    string? ReferrerType,
    /// <summary>For a social network or search engine, its name (Instagram, Google …).</summary>
    string? ReferrerName,
    /// <summary>The <c>properties</c> asked for, by name (null when absent).</summary>
    IReadOnlyDictionary<string, string?> Properties);

/// <summary>A visit or other event of one visitor: where it came from.</summary>
public sealed record VisitFact(DateTimeOffset At, string Type, string? Event, string? UtmSource, string? UtmContent, string? ReferrerDomain, string? ReferrerType);

/// <summary>
/// Point questions about single events and small windows of the log (a click by its id, the IP
/// addresses that clicked a creator's links in the last hour, a visitor's visits), for the checks
/// a module runs on one order. The workspace scopes every query; callers check permissions.
/// </summary>
public sealed class EventFacts
{
    /// <summary>Most rows one question answers; the windows asked about are small.</summary>
    public const int MaxRows = 10_000;
    private readonly EventStore _store;
    private readonly EventLog? _log;
    private readonly IServiceScopeFactory _scopes;

    internal EventFacts(EventStore store, EventLog? log, IServiceScopeFactory scopes)
    {
        _store = store;
        _log = log;
        _scopes = scopes;
    }

    /// <summary>
    /// How the workspace stores visitors' IP addresses: whole, cut to their network (/24, /48),
    /// replaced by a keyed pseudonym or not at all. A check on addresses reads what is stored
    /// accordingly.
    /// </summary>
    public async Task<Sources.IpMode> IpModeAsync(Guid workspace, CancellationToken ct)
    {
        await using var scope = _scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<Storage.CollectDbContext>();
        return (await Ingest.SourceDirectory.SettingsAsync(db, workspace, ct)).IpMode;
    }

    private string EventColumns(IReadOnlyList<string> properties)
    {
        if (properties.Any(p => p.Length is 0 or > 64 || !p.All(char.IsAsciiLetterOrDigit)))
            throw new ArgumentException("Property names are plain letters and digits.", nameof(properties));
        return "message_id, ts, anonymous_id, ip, is_bot, bot_name, " + _store.JsonText("raw", "context", "userAgent") + ", referrer_domain, referrer_type, referrer_name"
            + string.Concat(properties.Select(p => ", " + _store.JsonText("raw", "properties", p)));
    }

    /// <summary>The event <paramref name="eventName"/> whose message id is <paramref name="messageId"/>, or null.</summary>
    public async Task<EventFact?> FindAsync(Guid workspace, string eventName, string messageId, IReadOnlyList<string> properties, CancellationToken ct)
    {
        await CaughtUpAsync(ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {EventColumns(properties)} FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND event = $event AND message_id = $id LIMIT 1");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "id", messageId);
        return (await ReadAsync(cmd, properties, ct)).FirstOrDefault();
    }

    /// <summary>The latest <paramref name="eventName"/> of <paramref name="anonymousId"/> in [from, to] whose <c>properties.{property}</c> is <paramref name="value"/>.</summary>
    public async Task<EventFact?> LatestAsync(Guid workspace, string eventName, string property, string value, string anonymousId,
        DateTimeOffset from, DateTimeOffset to, IReadOnlyList<string> properties, CancellationToken ct)
    {
        await CaughtUpAsync(ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT {EventColumns(properties)} FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND event = $event AND anonymous_id = $anon "
            + $"AND ts >= $from AND ts <= $to AND {_store.JsonText("raw", "properties", property)} = $value ORDER BY ts DESC LIMIT 1");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "anon", anonymousId);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        EventStore.Add(cmd, "value", value);
        return (await ReadAsync(cmd, properties, ct)).FirstOrDefault();
    }

    /// <summary>How many <paramref name="eventName"/> events with <c>properties.{property}</c> = <paramref name="value"/> each IP address sent in [from, to].</summary>
    public async Task<IReadOnlyList<(string Ip, long Count)>> IpsAsync(Guid workspace, string eventName, string property, string value,
        DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await CaughtUpAsync(ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT ip, count(*) FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND event = $event AND ip IS NOT NULL "
            + $"AND ts >= $from AND ts <= $to AND {_store.JsonText("raw", "properties", property)} = $value GROUP BY ip ORDER BY count(*) DESC LIMIT {MaxRows}");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "event", eventName);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        EventStore.Add(cmd, "value", value);
        var result = new List<(string, long)>();
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            result.Add((r.GetString(0), Convert.ToInt64(r.GetValue(1), System.Globalization.CultureInfo.InvariantCulture)));
        return result;
    }

    /// <summary>The events of <paramref name="anonymousId"/> in [from, to], oldest first (at most <see cref="MaxRows"/>).</summary>
    public async Task<IReadOnlyList<VisitFact>> VisitsAsync(Guid workspace, string anonymousId, DateTimeOffset from, DateTimeOffset to, CancellationToken ct)
    {
        await CaughtUpAsync(ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT ts, type, event, utm_source, utm_content, referrer_domain, referrer_type FROM {EventStore.AllEvents} "
            + $"WHERE workspace_id = $ws AND anonymous_id = $anon AND ts >= $from AND ts <= $to ORDER BY ts LIMIT {MaxRows}");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "anon", anonymousId);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        var result = new List<VisitFact>();
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
            result.Add(new VisitFact(Utc(r.GetDateTime(0)), r.GetString(1), S(r, 2), S(r, 3), S(r, 4), S(r, 5), S(r, 6)));
        return result;
    }

    /// <summary>
    /// Page views in [from, to]: in all (<paramref name="containing"/> null), or those that hold
    /// <paramref name="containing"/> (letters and digits only, such as a click id on the landing page's address).
    /// </summary>
    public async Task<long> PagesAsync(Guid workspace, DateTimeOffset from, DateTimeOffset to, string? containing, CancellationToken ct)
    {
        if (containing is not null && !containing.All(char.IsAsciiLetterOrDigit))
            throw new ArgumentException("Only letters and digits can be looked for in page addresses.", nameof(containing));
        await CaughtUpAsync(ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql($"SELECT count(*) FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND type = 'page' AND ts >= $from AND ts <= $to"
            + (containing is null ? "" : " AND raw LIKE $like"));
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        if (containing is not null)
            EventStore.Add(cmd, "like", "%" + containing + "%");
        return Convert.ToInt64(await cmd.ExecuteScalarAsync(ct), System.Globalization.CultureInfo.InvariantCulture);
    }

    private Task CaughtUpAsync(CancellationToken ct) => _log is null ? Task.CompletedTask : _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);

    private static async Task<List<EventFact>> ReadAsync(System.Data.Common.DbCommand cmd, IReadOnlyList<string> properties, CancellationToken ct)
    {
        var result = new List<EventFact>();
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var props = new Dictionary<string, string?>(StringComparer.Ordinal);
            for (var i = 0; i < properties.Count; i++)
                props[properties[i]] = S(r, 10 + i);
            result.Add(new EventFact(r.GetString(0), Utc(r.GetDateTime(1)), S(r, 2), S(r, 3), r.GetBoolean(4), S(r, 5), S(r, 6), S(r, 7), S(r, 8), S(r, 9), props));
        }
        return result;
    }

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private static string? S(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
