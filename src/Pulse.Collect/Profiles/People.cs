using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Profiles;

/// <summary>
/// The people behind a batch of events as destinations see them when they send: each one's
/// consent now and their traits. Looked up once per batch (<see cref="ProfileService.PeopleAsync"/>),
/// not once per event. Someone Pulse has no profile for yet gets the workspace's default consent and no traits.
/// </summary>
public sealed class PeopleLookup
{
    private static readonly IReadOnlyDictionary<string, JsonElement> NoTraits = new Dictionary<string, JsonElement>();
    private readonly Dictionary<(string Kind, string Value), Person> _byId;
    private readonly ConsentState _default;

    internal PeopleLookup(Dictionary<(string, string), Person> byId, ConsentDefault fallback)
    {
        _byId = byId;
        _default = new ConsentState(false, new Dictionary<string, bool>(), fallback);
    }

    internal sealed record Person(ConsentState Consent, IReadOnlyDictionary<string, JsonElement> Traits);

    /// <summary>The person's consent now (their user id first, then the anonymous id).</summary>
    public ConsentState Consent(string? userId, string? anonymousId) => Find(userId, anonymousId)?.Consent ?? _default;

    /// <summary>The consent of the person one id belongs to, or null when it is the workspace's default (nobody known, or nothing answered).</summary>
    /// <remarks>Only for look-ups without traits: there every person whose consent is not the default has a row.</remarks>
    public ConsentState? ConsentOf(string kind, string value) => _byId.TryGetValue((kind, value), out var p) ? p.Consent : null;

    /// <summary>The person's traits (latest value of each), empty when unknown.</summary>
    public IReadOnlyDictionary<string, JsonElement> Traits(string? userId, string? anonymousId) => Find(userId, anonymousId)?.Traits ?? NoTraits;

    private Person? Find(string? userId, string? anonymousId)
    {
        if (userId is not null && _byId.TryGetValue((IdentityKinds.UserId, userId), out var p))
            return p;
        return anonymousId is not null && _byId.TryGetValue((IdentityKinds.AnonymousId, anonymousId), out p) ? p : null;
    }
}

public sealed partial class ProfileService
{
    private sealed record PersonRow(string Kind, string Value, Guid ProfileId, bool OptedOut, string? Consent, Guid? MergedInto, string? Traits);

    private static readonly IReadOnlyDictionary<string, JsonElement> NoTraits = new Dictionary<string, JsonElement>();

    /// <summary>The consent and traits of the people with these ids now (no actor: a module's own question at send time).</summary>
    /// <param name="traits">Whether the traits are needed too; without them only people whose consent differs from the workspace's default are looked up, which is far cheaper.</param>
    public async Task<PeopleLookup> PeopleAsync(Guid workspaceId, IReadOnlyCollection<string> userIds, IReadOnlyCollection<string> anonymousIds, bool traits, CancellationToken ct)
    {
        var fallback = await ConsentDefaultAsync(workspaceId, ct);
        var byId = new Dictionary<(string, string), PeopleLookup.Person>();
        if (userIds.Count + anonymousIds.Count == 0)
            return new PeopleLookup(byId, fallback);
        var users = userIds.Distinct(StringComparer.Ordinal).ToList();
        var anons = anonymousIds.Distinct(StringComparer.Ordinal).ToList();
        // Two look-ups, one per kind, so each probes the identities' primary key (an OR of both made SQLite scan the table).
        var rows = await Found(IdentityKinds.UserId, users).ToListAsync(ct);
        rows.AddRange(await Found(IdentityKinds.AnonymousId, anons).ToListAsync(ct));
        IQueryable<PersonRow> Found(string kind, List<string> values)
        {
            var found = _db.Identities.AsNoTracking()
                .Where(i => i.WorkspaceId == workspaceId && i.Kind == kind && EF.Parameter(values).Contains(i.Value))
                .Join(_db.Profiles.AsNoTracking(), i => i.ProfileId, p => p.Id, (i, p) => new { i, p });
            // Without traits, a person whose consent is the default needs no row: the lookup's default answers for them.
            if (!traits)
                found = found.Where(x => x.p.OptedOut || x.p.Consent != null || x.p.MergedInto != null);
            return found.Select(x => new PersonRow(x.i.Kind, x.i.Value, x.i.ProfileId, x.p.OptedOut, x.p.Consent, x.p.MergedInto, traits ? x.p.Traits : null));
        }
        var identities = rows.Select(r => new { r.Kind, r.Value, r.ProfileId }).ToList();
        var profiles = rows.GroupBy(r => r.ProfileId).ToDictionary(g => g.Key, g => new { Id = g.Key, g.First().OptedOut, g.First().Consent, g.First().Traits, g.First().MergedInto });
        // An identity normally points at the surviving profile; follow a merge if one is still being applied.
        var merged = profiles.Values.Where(p => p.MergedInto is not null).Select(p => p.MergedInto!.Value).Where(id => !profiles.ContainsKey(id)).Distinct().ToList();
        if (merged.Count > 0)
        {
            foreach (var p in await _db.Profiles.AsNoTracking().Where(p => merged.Contains(p.Id))
                         .Select(p => new { p.Id, p.OptedOut, p.Consent, Traits = traits ? p.Traits : null, p.MergedInto }).ToListAsync(ct))
                profiles[p.Id] = p;
        }
        var people = new Dictionary<Guid, PeopleLookup.Person>();
        foreach (var i in identities)
        {
            if (!profiles.TryGetValue(i.ProfileId, out var p))
                continue;
            if (p.MergedInto is { } into && profiles.TryGetValue(into, out var survivor))
                p = survivor;
            if (!people.TryGetValue(p.Id, out var person))
                people[p.Id] = person = new PeopleLookup.Person(new ConsentState(p.OptedOut, Preferences(p.Consent), fallback), p.Traits is null ? NoTraits : ProfileTraits.Values(p.Traits));
            byId[(i.Kind, i.Value)] = person;
        }
        return new PeopleLookup(byId, fallback);
    }
}
