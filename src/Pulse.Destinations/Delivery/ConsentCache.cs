using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Collect.Sources;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// People's consent as one destination last looked it up, kept between batches while nothing that
/// could change it was written: the profiles' consent version (<see cref="ProfileService.ConsentVersion"/>)
/// moves after every opt-out, preference change, merge, erasure, or id joining a person whose consent
/// is not the default, and the workspace's default is compared on every batch. Either moving empties
/// the cache, so consent is still the consent at send time; only ids not seen since are looked up.
/// In cluster mode (no exact version) every batch looks up everyone, as before. Bounded: emptied when full.
/// </summary>
internal sealed class ConsentCache
{
    private const int MaxEntries = 250_000;
    private readonly Lock _gate = new();
    private readonly Dictionary<(bool User, string Id), ConsentState?> _known = [];
    private long? _version;
    private ConsentDefault? _default;

    /// <summary>The consent of each event's person now: their user id's first, then their anonymous id's, else the workspace's default.</summary>
    public async Task<Func<string?, string?, ConsentState>> ResolveAsync(ProfileService profiles, Guid workspaceId, IEnumerable<LoggedEvent> events, CancellationToken ct)
    {
        // The version is read before anything is looked up: a write committed meanwhile moves it, and the next batch starts again.
        var version = profiles.ConsentVersion(workspaceId);
        var fallback = await profiles.ConsentDefaultAsync(workspaceId, ct);
        var batch = new Dictionary<(bool User, string Id), ConsentState?>();
        var users = new List<string>();
        var anons = new List<string>();
        lock (_gate)
        {
            if (version is null || version != _version || fallback != _default || _known.Count > MaxEntries)
            {
                _known.Clear();
                _version = version;
                _default = fallback;
            }
            foreach (var e in events)
            {
                Want(true, e.UserId, users);
                Want(false, e.AnonymousId, anons);
            }
        }
        if (users.Count + anons.Count > 0)
        {
            var found = await profiles.PeopleAsync(workspaceId, users, anons, traits: false, ct);
            lock (_gate)
            {
                foreach (var u in users)
                    Keep((true, u), found.ConsentOf(IdentityKinds.UserId, u));
                foreach (var a in anons)
                    Keep((false, a), found.ConsentOf(IdentityKinds.AnonymousId, a));
            }
        }
        var unset = new ConsentState(false, new Dictionary<string, bool>(), fallback);
        return (userId, anonymousId) =>
            (userId is not null && batch.GetValueOrDefault((true, userId)) is { } byUser ? byUser : null)
            ?? (anonymousId is not null && batch.GetValueOrDefault((false, anonymousId)) is { } byAnon ? byAnon : null)
            ?? unset;

        void Want(bool user, string? id, List<string> missing)
        {
            if (id is null || batch.ContainsKey((user, id)))
                return;
            if (_known.TryGetValue((user, id), out var state))
                batch[(user, id)] = state;
            else
            {
                batch[(user, id)] = null;
                missing.Add(id);
            }
        }

        void Keep((bool, string) key, ConsentState? state)
        {
            batch[key] = state;
            // Kept only while the version it was read under is still current.
            if (version is not null && version == _version)
                _known[key] = state;
        }
    }
}
