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
    /// <summary>The consent and traits of the people with these ids now (no actor: a module's own question at send time).</summary>
    public async Task<PeopleLookup> PeopleAsync(Guid workspaceId, IReadOnlyCollection<string> userIds, IReadOnlyCollection<string> anonymousIds, CancellationToken ct)
    {
        var fallback = await DefaultAsync(workspaceId, ct);
        var byId = new Dictionary<(string, string), PeopleLookup.Person>();
        if (userIds.Count + anonymousIds.Count == 0)
            return new PeopleLookup(byId, fallback);
        var users = userIds.Distinct(StringComparer.Ordinal).ToList();
        var anons = anonymousIds.Distinct(StringComparer.Ordinal).ToList();
        var identities = await _db.Identities.AsNoTracking()
            .Where(i => i.WorkspaceId == workspaceId
                && ((i.Kind == IdentityKinds.UserId && users.Contains(i.Value)) || (i.Kind == IdentityKinds.AnonymousId && anons.Contains(i.Value))))
            .Select(i => new { i.Kind, i.Value, i.ProfileId })
            .ToListAsync(ct);
        var ids = identities.Select(i => i.ProfileId).Distinct().ToList();
        var profiles = await _db.Profiles.AsNoTracking().Where(p => ids.Contains(p.Id))
            .Select(p => new { p.Id, p.OptedOut, p.Consent, p.Traits, p.MergedInto }).ToDictionaryAsync(p => p.Id, ct);
        // An identity normally points at the surviving profile; follow a merge if one is still being applied.
        var merged = profiles.Values.Where(p => p.MergedInto is not null).Select(p => p.MergedInto!.Value).Where(id => !profiles.ContainsKey(id)).Distinct().ToList();
        if (merged.Count > 0)
        {
            foreach (var p in await _db.Profiles.AsNoTracking().Where(p => merged.Contains(p.Id))
                         .Select(p => new { p.Id, p.OptedOut, p.Consent, p.Traits, p.MergedInto }).ToListAsync(ct))
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
                people[p.Id] = person = new PeopleLookup.Person(new ConsentState(p.OptedOut, Preferences(p.Consent), fallback), ProfileTraits.Values(p.Traits));
            byId[(i.Kind, i.Value)] = person;
        }
        return new PeopleLookup(byId, fallback);
    }
}
