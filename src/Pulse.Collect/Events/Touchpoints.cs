using System.Runtime.CompilerServices;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Events;

/// <summary>
/// One event that can be a marketing touch: a tracked link's click, or a visit that arrived with
/// campaign parameters, an ad click id or a referrer from a social network, search engine or
/// e-mail. Direct and internal visits are not touches and never appear here.
/// </summary>
public sealed record Touchpoint(
    string? AnonymousId,
    string? UserId,
    DateTimeOffset At,
    string Event,
    string? UtmSource,
    string? UtmMedium,
    string? UtmCampaign,
    string? UtmContent,
    /// <summary>meta, tiktok, linkedin, google or microsoft when the visit carried that network's click id.</summary>
    string? AdNetwork,
    string? ReferrerType,
    string? ReferrerName,
    /// <summary>For a module's own events (a link click): <c>properties.creatorId</c>, <c>.campaign</c> and <c>.platform</c>.</summary>
    string? Creator,
    string? Campaign,
    string? Platform,
    bool IsBot);

/// <summary>
/// The touches of a workspace's people read from the event log, and who those people are across
/// their ids (the identity graph's profiles), for attribution. Callers check permissions; the
/// workspace scopes every query.
/// </summary>
public sealed class Touchpoints
{
    private const int Chunk = 1000;
    private readonly EventStore _store;
    private readonly EventLog? _log;
    private readonly ProfilesDbContext _profiles;

    internal Touchpoints(EventStore store, EventLog? log, ProfilesDbContext profiles)
    {
        _store = store;
        _log = log;
        _profiles = profiles;
    }

    /// <summary>
    /// The touches whose event time lies in [<paramref name="from"/>, <paramref name="to"/>), in no
    /// particular order; <paramref name="ownEvent"/> is the module event that always counts as a touch (<c>Link Clicked</c>).
    /// </summary>
    public async IAsyncEnumerable<Touchpoint> ReadAsync(Guid workspace, DateTimeOffset from, DateTimeOffset to, string ownEvent,
        [EnumeratorCancellation] CancellationToken ct)
    {
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = _store.Sql("SELECT anonymous_id, user_id, ts, coalesce(event, type), utm_source, utm_medium, utm_campaign, utm_content, "
            + "fbclid IS NOT NULL, ttclid IS NOT NULL, li_fat_id IS NOT NULL, gclid IS NOT NULL, msclkid IS NOT NULL, referrer_type, referrer_name, "
            + $"{_store.JsonText("raw", "properties", "creatorId")}, {_store.JsonText("raw", "properties", "campaign")}, {_store.JsonText("raw", "properties", "platform")}, is_bot "
            + $"FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND ts >= $from AND ts < $to AND (event = $own OR utm_source IS NOT NULL OR utm_medium IS NOT NULL "
            + "OR fbclid IS NOT NULL OR ttclid IS NOT NULL OR li_fat_id IS NOT NULL OR gclid IS NOT NULL OR msclkid IS NOT NULL "
            + "OR referrer_type IN ('social', 'search', 'email'))");
        EventStore.Add(cmd, "ws", workspace);
        EventStore.Add(cmd, "from", from.UtcDateTime);
        EventStore.Add(cmd, "to", to.UtcDateTime);
        EventStore.Add(cmd, "own", ownEvent);
        using var r = await cmd.ExecuteReaderAsync(ct);
        while (await r.ReadAsync(ct))
        {
            var ad = r.GetBoolean(8) ? "meta" : r.GetBoolean(9) ? "tiktok" : r.GetBoolean(10) ? "linkedin" : r.GetBoolean(11) ? "google" : r.GetBoolean(12) ? "microsoft" : null;
            yield return new Touchpoint(S(r, 0), S(r, 1), new DateTimeOffset(DateTime.SpecifyKind(r.GetDateTime(2), DateTimeKind.Utc)), r.GetString(3),
                S(r, 4), S(r, 5), S(r, 6), S(r, 7), ad, S(r, 13), S(r, 14), S(r, 15), S(r, 16), S(r, 17), r.GetBoolean(18));
        }
    }

    /// <summary>The anonymous id of the visitor of each click id (<c>properties.clickId</c> of <paramref name="ownEvent"/>) found.</summary>
    public async Task<IReadOnlyDictionary<string, string>> VisitorsOfAsync(Guid workspace, string ownEvent, IReadOnlyCollection<string> clickIds, CancellationToken ct)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (clickIds.Count == 0)
            return result;
        if (_log is not null)
            await _log.CaughtUpAsync(TimeSpan.FromSeconds(2), ct);
        using var c = _store.Open();
        foreach (var chunk in clickIds.Distinct(StringComparer.Ordinal).Chunk(Chunk))
        {
            using var cmd = c.CreateCommand();
            var names = EventStore.AddList(cmd, "c", chunk);
            // The click's own message id is its click id (one click, one event), so the lookup needs no JSON.
            cmd.CommandText = _store.Sql($"SELECT message_id, anonymous_id FROM {EventStore.AllEvents} WHERE workspace_id = $ws AND event = $own "
                + $"AND anonymous_id IS NOT NULL AND message_id IN ({names})");
            EventStore.Add(cmd, "ws", workspace);
            EventStore.Add(cmd, "own", ownEvent);
            using var r = await cmd.ExecuteReaderAsync(ct);
            while (await r.ReadAsync(ct))
                result[r.GetString(0)] = r.GetString(1);
        }
        return result;
    }

    /// <summary>
    /// The profile each user id and anonymous id belongs to (ids the identity graph has not seen
    /// are missing), so that one person's touches under several ids form one journey.
    /// </summary>
    public async Task<PersonKeys> PeopleAsync(Guid workspace, IReadOnlyCollection<string> userIds, IReadOnlyCollection<string> anonymousIds, CancellationToken ct)
    {
        var users = await KindAsync(IdentityKinds.UserId, userIds);
        var anons = await KindAsync(IdentityKinds.AnonymousId, anonymousIds);
        return new PersonKeys(users, anons);

        async Task<Dictionary<string, Guid>> KindAsync(string kind, IReadOnlyCollection<string> values)
        {
            var found = new Dictionary<string, Guid>(StringComparer.Ordinal);
            foreach (var chunk in values.Distinct(StringComparer.Ordinal).Chunk(Chunk))
            {
                var list = chunk.ToList();
                foreach (var i in await _profiles.Identities.AsNoTracking()
                             .Where(i => i.WorkspaceId == workspace && i.Kind == kind && EF.Parameter(list).Contains(i.Value))
                             .Select(i => new { i.Value, i.ProfileId }).ToListAsync(ct))
                    found[i.Value] = i.ProfileId;
            }
            return found;
        }
    }

    private static string? S(System.Data.Common.DbDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}

/// <summary>Who is who: the profile of each id, and a key for a person that is the same under every one of their ids.</summary>
public sealed class PersonKeys
{
    private readonly Dictionary<string, Guid> _users;
    private readonly Dictionary<string, Guid> _anons;

    internal PersonKeys(Dictionary<string, Guid> users, Dictionary<string, Guid> anons)
    {
        _users = users;
        _anons = anons;
    }

    /// <summary>The person's key: their profile when known (user id first), else the raw id; null when there is no id at all.</summary>
    public string? Of(string? userId, string? anonymousId)
    {
        if (userId is not null && _users.TryGetValue(userId, out var p))
            return p.ToString("N");
        if (anonymousId is not null && _anons.TryGetValue(anonymousId, out p))
            return p.ToString("N");
        return userId is not null ? "u:" + userId : anonymousId is not null ? "a:" + anonymousId : null;
    }
}
