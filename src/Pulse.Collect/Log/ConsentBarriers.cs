using System.IO.Hashing;
using System.Runtime.InteropServices;
using Pulse.Collect.Ingest;

namespace Pulse.Collect.Log;

/// <summary>
/// Where in the log, per workspace, the events lie that may change whose consent is what (consent
/// "barriers"): a message carrying <c>context.consent</c>, an alias, and an event that joins an
/// anonymous id to a user id the log has not shown together before. Readers that act on events
/// for people (destinations) send an event only once the profile builder has applied every barrier
/// before it, so consent holds in log order. Embedded mode only: the one writer notes every commit
/// here before any of it can be read (cluster mode asks the store, where every node's commits are).
/// </summary>
/// <remarks>
/// Bounded: per workspace at most <see cref="MaxPerWorkspace"/> positions are kept; past that the rest
/// of the burst counts as barriers throughout (every event then waits for the builder), which is
/// safe and ends once the builder passes it. The pairs already seen are a lossy table of hashes: a
/// pair pushed out looks new again, which again only adds a barrier.
/// </remarks>
internal sealed class ConsentBarriers
{
    public const int MaxPerWorkspace = 200_000;
    private const int PairSlots = 1 << 19;

    private readonly Lock _gate = new();
    private readonly Dictionary<Guid, Workspace> _workspaces = [];
    private readonly ulong[] _pairs = new ulong[PairSlots];
    private long _passed;

    private sealed class Workspace
    {
        public readonly Queue<long> Seqs = new();
        /// <summary>Every position from here to <see cref="DenseTo"/> counts as a barrier (the queue was full).</summary>
        public long DenseFrom = long.MaxValue;
        public long DenseTo;
    }

    /// <summary>Whether the message itself carries a consent fact or an explicit identity change.</summary>
    public static bool CarriesConsentOrAlias(string type, string? consent, string? previousId) =>
        consent is not null || previousId is not null || type == CallTypes.Alias;

    /// <summary>Notes the barriers among a commit's numbered records, in log order; called by the writer before any of them is readable.</summary>
    public void Note(IReadOnlyList<LogRecord> records)
    {
        lock (_gate)
        {
            foreach (var r in records)
                Note(r.WorkspaceId, r.Seq, r.Type, r.Consent, r.PreviousId, r.UserId, r.AnonymousId);
        }
    }

    /// <summary>Notes one event (under the lock, in log order).</summary>
    private void Note(Guid workspace, long seq, string type, string? consent, string? previousId, string? userId, string? anonymousId)
    {
        var barrier = CarriesConsentOrAlias(type, consent, previousId);
        if (userId is not null && anonymousId is not null)
            barrier |= FirstTimeTogether(workspace, anonymousId, userId);
        if (!barrier || seq <= _passed)
            return;
        if (!_workspaces.TryGetValue(workspace, out var w))
            _workspaces[workspace] = w = new Workspace();
        if (w.DenseFrom != long.MaxValue || w.Seqs.Count >= MaxPerWorkspace)
        {
            w.DenseFrom = Math.Min(w.DenseFrom, seq);
            w.DenseTo = seq;
            return;
        }
        w.Seqs.Enqueue(seq);
    }

    /// <summary>Notes a barrier found by a scan of the store (at start, for what the builder had not applied yet).</summary>
    public void NoteStored(Guid workspace, long seq, string type, string? consent, string? previousId, string? userId, string? anonymousId)
    {
        lock (_gate)
            Note(workspace, seq, type, consent, previousId, userId, anonymousId);
    }

    /// <summary>Whether this anonymous id and user id appear together for the first time (as far as the table remembers), remembering them.</summary>
    private bool FirstTimeTogether(Guid workspace, string anonymousId, string userId)
    {
        var h = new XxHash64();
        h.Append(MemoryMarshal.AsBytes(new ReadOnlySpan<Guid>(in workspace)));
        h.Append(MemoryMarshal.AsBytes(anonymousId.AsSpan()));
        h.Append([0x1f, 0]);
        h.Append(MemoryMarshal.AsBytes(userId.AsSpan()));
        var hash = h.GetCurrentHashAsUInt64() | 1; // never 0, the empty slot
        ref var slot = ref _pairs[(int)(hash & (PairSlots - 1))];
        if (slot == hash)
            return false;
        slot = hash;
        return true;
    }

    /// <summary>The profile builder has applied everything up to <paramref name="position"/>: those barriers are behind every reader now.</summary>
    public void Passed(long position)
    {
        lock (_gate)
        {
            if (position <= _passed)
                return;
            _passed = position;
            List<Guid>? empty = null;
            foreach (var (id, w) in _workspaces)
            {
                while (w.Seqs.Count > 0 && w.Seqs.Peek() <= position)
                    w.Seqs.Dequeue();
                if (w.DenseFrom != long.MaxValue && w.DenseTo <= position)
                    w.DenseFrom = long.MaxValue;
                if (w.Seqs.Count == 0 && w.DenseFrom == long.MaxValue)
                    (empty ??= []).Add(id);
            }
            foreach (var id in empty ?? [])
                _workspaces.Remove(id);
        }
    }

    /// <summary>The first barrier of the workspace after <paramref name="position"/> (the builder's), or null when there is none.</summary>
    public long? FirstAfter(Guid workspace, long position)
    {
        lock (_gate)
        {
            if (!_workspaces.TryGetValue(workspace, out var w))
                return null;
            long? first = null;
            foreach (var seq in w.Seqs)
            {
                if (seq > position)
                {
                    first = seq;
                    break;
                }
            }
            if (w.DenseFrom != long.MaxValue && w.DenseTo > position)
                first = Math.Min(first ?? long.MaxValue, Math.Max(w.DenseFrom, position + 1));
            return first;
        }
    }
}
