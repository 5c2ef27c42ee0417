using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>The identity graph's merges (by events and by admins) and their undoing.</summary>
internal sealed partial class IdentityGraph
{
    /// <summary>Every identity that belongs to the profile now, saved or not.</summary>
    public async Task<List<ProfileIdentity>> IdentitiesOfAsync(Guid profileId, CancellationToken ct)
    {
        var stored = await Query(db.Identities).Where(i => i.ProfileId == profileId).ToListAsync(ct);
        // A row this batch already holds (and may have moved) wins over the stored one.
        foreach (var i in stored)
            _ids.TryAdd((i.WorkspaceId, i.Kind, i.Value), i);
        return tracked
            ? db.Identities.Local.Where(i => i.ProfileId == profileId).ToList()
            : _ids.Values.Where(i => i is not null && i.ProfileId == profileId).Select(i => i!).ToList();
    }

    /// <summary>Moves every identity of <paramref name="from"/> to <paramref name="into"/> and combines what is known of both.</summary>
    public async Task<ProfileMerge> MergeAsync(Profile from, Profile into, string reason, string? messageId, string? actor, CancellationToken ct)
    {
        var moved = await IdentitiesOfAsync(from.Id, ct);
        foreach (var i in moved)
        {
            i.ProfileId = into.Id;
            Changed(i);
        }
        Changed(into);
        Changed(from);
        ConsentAffected.Add(into.WorkspaceId);
        into.Traits = ProfileTraits.Merge(into.Traits, from.Traits);
        if (from.FirstSeen < into.FirstSeen)
            into.FirstSeen = from.FirstSeen;
        if (from.LastSeen > into.LastSeen)
            into.LastSeen = from.LastSeen;
        into.EventCount += from.EventCount;
        if (from.ConsentAt is { } fc && (into.ConsentAt is not { } ic || fc > ic))
        {
            into.Consent = from.Consent;
            into.ConsentAt = from.ConsentAt;
        }
        if (from.OptedOut && !into.OptedOut)
        {
            into.OptedOut = true;
            into.OptedOutAt = from.OptedOutAt;
        }
        into.UserId ??= from.UserId;
        into.UpdatedAt = time.GetUtcNow();
        from.MergedInto = into.Id;
        from.UpdatedAt = into.UpdatedAt;
        var merge = new ProfileMerge
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            WorkspaceId = into.WorkspaceId,
            FromProfileId = from.Id,
            IntoProfileId = into.Id,
            Reason = reason,
            MessageId = messageId,
            Actor = actor,
            At = time.GetUtcNow(),
            MovedIdentities = JsonSerializer.Serialize(moved.Select(i => new[] { i.Kind, i.Value }).ToList(), CollectJsonContext.Default.ListStringArray),
        };
        if (tracked)
            db.Merges.Add(merge);
        else
            Created(merge, _newMerges);
        return merge;
    }

    /// <summary>Undoes a merge: the merged profile gets its own identities back and stands alone again.</summary>
    public async Task UnmergeAsync(ProfileMerge merge, string actor, CancellationToken ct)
    {
        var from = await db.Profiles.FirstAsync(p => p.Id == merge.FromProfileId, ct);
        _profiles[from.Id] = from;
        ConsentAffected.Add(merge.WorkspaceId);
        var moved = JsonSerializer.Deserialize(merge.MovedIdentities, CollectJsonContext.Default.ListStringArray) ?? [];
        var into = await ProfileAsync(merge.IntoProfileId, ct);
        foreach (var pair in moved)
        {
            if (pair is not [var kind, var value])
                continue;
            var identity = await db.Identities.FirstOrDefaultAsync(i => i.WorkspaceId == merge.WorkspaceId && i.Kind == kind && i.Value == value, ct);
            if (identity is not null && identity.ProfileId == into?.Id)
                identity.ProfileId = from.Id;
        }
        from.MergedInto = null;
        from.UpdatedAt = time.GetUtcNow();
        if (into is not null)
        {
            into.EventCount = Math.Max(0, into.EventCount - from.EventCount);
            var remaining = await db.Identities.Where(i => i.ProfileId == into.Id && i.Kind == IdentityKinds.UserId).Select(i => i.Value).ToListAsync(ct);
            into.UserId = remaining.LastOrDefault(v => moved.All(m => m is not [_, var mv] || mv != v));
            into.UpdatedAt = from.UpdatedAt;
        }
        merge.UndoneAt = time.GetUtcNow();
        merge.UndoneBy = actor;
    }

    private Task<bool> MergeWasUndoneAsync(Guid a, Guid b, CancellationToken ct) =>
        db.Merges.AsNoTracking().AnyAsync(m => m.UndoneAt != null && ((m.FromProfileId == a && m.IntoProfileId == b) || (m.FromProfileId == b && m.IntoProfileId == a)), ct);
}
