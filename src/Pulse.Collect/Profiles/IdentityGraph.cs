using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Log;
using Pulse.Collect.Storage;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>
/// The identity graph's rules, applied to a batch of logged events inside one unit of work of
/// <see cref="ProfilesDbContext"/>: ids are looked up once per batch, then each event in log order
/// finds or creates its profile, attaches ids the profile did not have, and merges profiles the
/// event proves to be one person.
/// </summary>
/// <remarks>
/// Stitching rules (as Segment and RudderStack do): an anonymous id seen with a user id joins that
/// user's profile; an anonymous-only profile is merged into the user's; two profiles that each
/// already have a different user id are never merged by an identify (a shared device), only by an
/// explicit alias or an admin; a merge an admin undid is not redone automatically.
/// <para>
/// Two ways to keep the rows: tracked by EF Core (admins' merges and unmerges, a few rows), or, for
/// the profile builder (<paramref name="tracked"/> false), read without tracking and kept by the
/// graph itself, which knows what it created and changed and writes exactly those rows in
/// <see cref="SaveAsync"/>. EF Core's change tracking of thousands of rows per batch (identity
/// resolution on each read, snapshots, the scan for changes, the accept afterwards) cost more than
/// the reads and writes themselves. The builder also passes its <see cref="KnownIdentities"/>, so
/// ids it has never stored are not looked up at all.
/// </para>
/// </remarks>
internal sealed partial class IdentityGraph(ProfilesDbContext db, TimeProvider time, bool tracked = true, KnownIdentities? known = null)
{
    private const int ChunkSize = 500;
    private readonly Dictionary<(Guid Ws, string Kind, string Value), ProfileIdentity?> _ids = [];
    private readonly Dictionary<Guid, Profile> _profiles = [];

    // Untracked: the rows this batch created, and the stored rows it changed, written by SaveAsync.
    private readonly List<Profile> _newProfiles = [];
    private readonly List<ProfileIdentity> _newIds = [];
    private readonly List<ProfileMerge> _newMerges = [];
    private readonly HashSet<Profile> _changedProfiles = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<ProfileIdentity> _changedIds = new(ReferenceEqualityComparer.Instance);
    private readonly HashSet<object> _created = new(ReferenceEqualityComparer.Instance);

    /// <summary>Untracked: the profile and id rows this batch created.</summary>
    public int RowsCreated => _newProfiles.Count + _newIds.Count;

    /// <summary>Consent changes the batch made (opt-outs and opt-ins), for the audit trail.</summary>
    public List<(Guid Workspace, Guid Profile, bool OptedOut, string MessageId)> ConsentChanges { get; } = [];

    /// <summary>
    /// Workspaces where this batch may have changed whose consent is what: a person's preferences or
    /// opt-out, a merge or its undoing, or an id joining a person whose consent is not the default.
    /// </summary>
    public HashSet<Guid> ConsentAffected { get; } = [];

    public async Task LoadAsync(IReadOnlyList<LoggedEvent> events, CancellationToken ct)
    {
        var wanted = new HashSet<(Guid, string, string)>();
        foreach (var e in events)
        {
            if (e.UserId is { } u)
                wanted.Add((e.WorkspaceId, IdentityKinds.UserId, u));
            if (e.AnonymousId is { } a)
                wanted.Add((e.WorkspaceId, IdentityKinds.AnonymousId, a));
            if (e.PreviousId is { } p)
            {
                wanted.Add((e.WorkspaceId, IdentityKinds.UserId, p));
                wanted.Add((e.WorkspaceId, IdentityKinds.AnonymousId, p));
            }
        }
        if (known is not null)
        {
            await known.LoadAsync(db, events.Select(e => e.WorkspaceId).Distinct(), ct);
            foreach (var w in wanted)
            {
                if (!known.MayExist(w.Item1, w.Item2, w.Item3))
                    _ids.TryAdd(w, null);
            }
        }
        if (!tracked && db.Database.IsSqlite())
        {
            await using var reads = new SqliteReads(db);
            foreach (var w in wanted)
            {
                if (!_ids.ContainsKey(w))
                    _ids[w] = reads.Identity(w.Item1, w.Item2, w.Item3);
            }
            foreach (var i in _ids.Values)
            {
                if (i is not null && !_profiles.ContainsKey(i.ProfileId) && reads.Profile(i.ProfileId) is { } p)
                    _profiles[p.Id] = p;
            }
            return;
        }
        foreach (var group in wanted.Where(w => !_ids.ContainsKey(w)).GroupBy(w => (w.Item1, w.Item2)))
        {
            var (ws, kind) = group.Key;
            foreach (var chunk in group.Select(g => g.Item3).Chunk(ChunkSize))
            {
                var found = await Query(db.Identities).Where(i => i.WorkspaceId == ws && i.Kind == kind && chunk.Contains(i.Value)).ToListAsync(ct);
                foreach (var v in chunk)
                    _ids[(ws, kind, v)] = null;
                foreach (var i in found)
                    _ids[(ws, kind, i.Value)] = i;
            }
        }
        var profileIds = _ids.Values.Where(i => i is not null && !_profiles.ContainsKey(i.ProfileId)).Select(i => i!.ProfileId).Distinct().ToList();
        foreach (var chunk in profileIds.Chunk(ChunkSize))
        {
            foreach (var p in await Query(db.Profiles).Where(p => chunk.Contains(p.Id)).ToListAsync(ct))
                _profiles[p.Id] = p;
        }
    }

    /// <summary>Applies one event (the batch must have been loaded with it).</summary>
    public async Task ApplyAsync(LoggedEvent e, CancellationToken ct)
    {
        var ws = e.WorkspaceId;
        Profile target;
        if (e.Type == "alias" && e.PreviousId is { } previous && e.UserId is { } newId)
        {
            var into = await ResolveAsync(ws, IdentityKinds.UserId, newId, ct);
            var from = await ResolveAsync(ws, IdentityKinds.UserId, previous, ct) ?? await ResolveAsync(ws, IdentityKinds.AnonymousId, previous, ct);
            if (into is null && from is null)
            {
                target = Create(ws, e.Timestamp);
                Attach(target, IdentityKinds.UserId, newId, e.Timestamp);
                Attach(target, IdentityKinds.AnonymousId, previous, e.Timestamp);
            }
            else if (into is null)
            {
                target = from!;
                Attach(target, IdentityKinds.UserId, newId, e.Timestamp);
            }
            else if (from is null)
            {
                target = into;
                Attach(target, IdentityKinds.AnonymousId, previous, e.Timestamp);
            }
            else
            {
                target = into;
                if (from.Id != into.Id)
                    await MergeAsync(from, into, "alias", e.MessageId, null, ct);
            }
            if (e.AnonymousId is { } anon && await ResolveAsync(ws, IdentityKinds.AnonymousId, anon, ct) is null)
                Attach(target, IdentityKinds.AnonymousId, anon, e.Timestamp);
        }
        else
        {
            var byUser = e.UserId is { } u ? await ResolveAsync(ws, IdentityKinds.UserId, u, ct) : null;
            var byAnon = e.AnonymousId is { } a ? await ResolveAsync(ws, IdentityKinds.AnonymousId, a, ct) : null;
            if (byUser is null && byAnon is null)
            {
                target = Create(ws, e.Timestamp);
                if (e.UserId is not null)
                    Attach(target, IdentityKinds.UserId, e.UserId, e.Timestamp);
                if (e.AnonymousId is not null)
                    Attach(target, IdentityKinds.AnonymousId, e.AnonymousId, e.Timestamp);
            }
            else if (byUser is null)
            {
                target = byAnon!;
                if (e.UserId is not null)
                {
                    if (target.UserId is not null)
                    {
                        // The device's anonymous id belongs to another known person: a new person on a shared device.
                        target = Create(ws, e.Timestamp);
                    }
                    Attach(target, IdentityKinds.UserId, e.UserId, e.Timestamp);
                }
            }
            else if (byAnon is null)
            {
                target = byUser;
                if (e.AnonymousId is not null)
                    Attach(target, IdentityKinds.AnonymousId, e.AnonymousId, e.Timestamp);
            }
            else
            {
                target = byUser;
                if (byAnon.Id != byUser.Id && byAnon.UserId is null && !await MergeWasUndoneAsync(byAnon.Id, byUser.Id, ct))
                    await MergeAsync(byAnon, byUser, e.Type == "identify" ? "identify" : "event", e.MessageId, null, ct);
            }
        }
        Touch(target, e);
    }

    private void Touch(Profile p, LoggedEvent e)
    {
        Changed(p);
        p.EventCount++;
        if (e.Timestamp < p.FirstSeen)
            p.FirstSeen = e.Timestamp;
        if (e.Timestamp > p.LastSeen)
            p.LastSeen = e.Timestamp;
        p.UpdatedAt = time.GetUtcNow();
        if (e.Type == "identify" || e.Consent is not null)
        {
            using var doc = JsonDocument.Parse(e.Raw);
            var root = doc.RootElement;
            if (e.Type == "identify" && root.TryGetProperty("traits", out var traits))
                p.Traits = ProfileTraits.Apply(p.Traits, traits, e.Timestamp);
            if (e.Consent is not null)
                ApplyConsent(p, e, root);
        }
    }

    private void ApplyConsent(Profile p, LoggedEvent e, JsonElement root)
    {
        if (p.ConsentAt is { } at && at > e.Timestamp)
            return;
        // An opt-out or opt-in that names no categories leaves the person's answers as they were.
        if (e.Consent != Ingest.MessageBuilder.NoPreferences || p.Consent is null)
        {
            if (!string.Equals(p.Consent, e.Consent, StringComparison.Ordinal))
                ConsentAffected.Add(p.WorkspaceId);
            p.Consent = e.Consent;
        }
        p.ConsentAt = e.Timestamp;
        var optOut = root.TryGetProperty("context", out var c) && c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("consent", out var consent) && consent.ValueKind == JsonValueKind.Object
            && consent.TryGetProperty("optOut", out var o) && o.ValueKind == JsonValueKind.True;
        var grantsAny = false;
        using (var prefs = JsonDocument.Parse(e.Consent!))
        {
            if (prefs.RootElement.ValueKind == JsonValueKind.Object)
                grantsAny = prefs.RootElement.EnumerateObject().Any(x => x.Value.ValueKind == JsonValueKind.True);
        }
        if (optOut && !p.OptedOut)
        {
            p.OptedOut = true;
            p.OptedOutAt = e.Timestamp;
            ConsentAffected.Add(p.WorkspaceId);
            ConsentChanges.Add((p.WorkspaceId, p.Id, true, e.MessageId));
        }
        else if (!optOut && grantsAny && p.OptedOut)
        {
            p.OptedOut = false;
            p.OptedOutAt = null;
            ConsentAffected.Add(p.WorkspaceId);
            ConsentChanges.Add((p.WorkspaceId, p.Id, false, e.MessageId));
        }
    }

    /// <summary>The profile an id belongs to now, or null.</summary>
    public async Task<Profile?> ResolveAsync(Guid ws, string kind, string value, CancellationToken ct)
    {
        if (!_ids.TryGetValue((ws, kind, value), out var identity))
        {
            identity = await Query(db.Identities).FirstOrDefaultAsync(i => i.WorkspaceId == ws && i.Kind == kind && i.Value == value, ct);
            _ids[(ws, kind, value)] = identity;
        }
        return identity is null ? null : await ProfileAsync(identity.ProfileId, ct);
    }

    /// <summary>A profile by id, following merges to the one that holds it now.</summary>
    public async Task<Profile?> ProfileAsync(Guid id, CancellationToken ct)
    {
        for (var hops = 0; hops < 64; hops++)
        {
            if (!_profiles.TryGetValue(id, out var p))
            {
                p = await Query(db.Profiles).FirstOrDefaultAsync(x => x.Id == id, ct);
                if (p is null)
                    return null;
                _profiles[id] = p;
            }
            if (p.MergedInto is not { } next)
                return p;
            id = next;
        }
        return null;
    }

    private Profile Create(Guid ws, DateTimeOffset at)
    {
        var p = new Profile
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            WorkspaceId = ws,
            FirstSeen = at,
            LastSeen = at,
            UpdatedAt = time.GetUtcNow(),
        };
        if (tracked)
            db.Profiles.Add(p);
        else
            Created(p, _newProfiles);
        _profiles[p.Id] = p;
        return p;
    }

    private void Attach(Profile p, string kind, string value, DateTimeOffset at)
    {
        var identity = new ProfileIdentity { WorkspaceId = p.WorkspaceId, Kind = kind, Value = value, ProfileId = p.Id, FirstSeen = at };
        if (tracked)
            db.Identities.Add(identity);
        else
            Created(identity, _newIds);
        _ids[(p.WorkspaceId, kind, value)] = identity;
        known?.Add(p.WorkspaceId, kind, value);
        if (p.OptedOut || p.Consent is not null || p.MergedInto is not null)
            ConsentAffected.Add(p.WorkspaceId);
        if (kind == IdentityKinds.UserId)
        {
            p.UserId = value;
            Changed(p);
        }
    }

    /// <summary>
    /// Untracked: writes the rows this batch created and changed (inside the caller's transaction).
    /// Tracked: nothing to do here, the context saves what it tracks.
    /// </summary>
    public async Task SaveAsync(CancellationToken ct)
    {
        if (tracked)
            return;
        await BulkSave.WriteAsync(db, _newProfiles, _changedProfiles, ct);
        await BulkSave.WriteAsync(db, _newIds, _changedIds, ct);
        await BulkSave.WriteAsync(db, _newMerges, [], ct);
    }

    private IQueryable<T> Query<T>(DbSet<T> set)
        where T : class => tracked ? set : set.AsNoTracking();

    private void Created<T>(T row, List<T> list)
        where T : class
    {
        _created.Add(row);
        list.Add(row);
    }

    // Untracked: a stored row the batch changed (a row it created is written whole anyway).
    private void Changed(Profile p)
    {
        if (!tracked && !_created.Contains(p))
            _changedProfiles.Add(p);
    }

    private void Changed(ProfileIdentity i)
    {
        if (!tracked && !_created.Contains(i))
            _changedIds.Add(i);
    }
}
