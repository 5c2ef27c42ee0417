using System.IO.Hashing;
using System.Runtime.InteropServices;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Profiles;

/// <summary>
/// The profile builder's memory of which ids are stored, per workspace and kind, as 64-bit hashes:
/// an id whose hash is absent is certainly new, so the builder creates its person without a look-up.
/// On a shop's traffic most ids in a batch are first visits, and their look-ups (which find nothing)
/// were a third of a batch's time.
/// </summary>
/// <remarks>
/// Correct only while it holds every stored id of the workspaces it has loaded (it may hold more:
/// a hash shared by two ids, an id of a batch that rolled back, an erased id; each costs one
/// look-up, never a wrong answer). That holds because ids are inserted only by the builder
/// (<see cref="IdentityGraph"/>'s attach, which adds to this), and only by the one node that holds
/// the workspace's partition; the builder forgets everything whenever a partition starts on its
/// node (at start, after a failed batch, when a lease comes back), so a partition another node
/// wrote meanwhile is read again. A workspace is read
/// on the first batch that needs it (about a second per million ids), inside that batch's unit of
/// work, so no writer of the workspace (all behind <see cref="ProfileGate"/>) is half-way through.
/// Used by one batch at a time (the gate serializes them).
/// </remarks>
internal sealed class KnownIdentities
{
    private readonly Dictionary<Guid, Dictionary<string, HashSet<ulong>>> _workspaces = [];

    /// <summary>Reads the stored ids of the workspaces not loaded yet (inside the caller's unit of work).</summary>
    public async Task LoadAsync(ProfilesDbContext db, IEnumerable<Guid> workspaces, CancellationToken ct)
    {
        foreach (var ws in workspaces)
        {
            if (_workspaces.ContainsKey(ws))
                continue;
            var kinds = new Dictionary<string, HashSet<ulong>>(StringComparer.Ordinal);
            var rows = db.Identities.AsNoTracking().Where(i => i.WorkspaceId == ws).Select(i => new { i.Kind, i.Value }).AsAsyncEnumerable();
            await foreach (var row in rows.WithCancellation(ct))
                Of(kinds, row.Kind).Add(Hash(row.Value));
            _workspaces[ws] = kinds;
        }
    }

    /// <summary>False when the id is certainly not stored; true when it may be (or its workspace was not loaded).</summary>
    public bool MayExist(Guid ws, string kind, string value)
    {
        if (!_workspaces.TryGetValue(ws, out var kinds))
            return true;
        return kinds.TryGetValue(kind, out var set) && set.Contains(Hash(value));
    }

    /// <summary>Records an id the builder is about to store.</summary>
    public void Add(Guid ws, string kind, string value)
    {
        if (_workspaces.TryGetValue(ws, out var kinds))
            Of(kinds, kind).Add(Hash(value));
    }

    /// <summary>Drops everything (a partition starts on this node).</summary>
    public void Forget() => _workspaces.Clear();

    private static HashSet<ulong> Of(Dictionary<string, HashSet<ulong>> kinds, string kind)
    {
        if (!kinds.TryGetValue(kind, out var set))
            kinds[kind] = set = [];
        return set;
    }

    private static ulong Hash(string value) => XxHash3.HashToUInt64(MemoryMarshal.AsBytes(value.AsSpan()));
}
