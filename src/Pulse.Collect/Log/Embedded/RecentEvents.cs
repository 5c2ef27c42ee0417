namespace Pulse.Collect.Log;

/// <summary>
/// The newest acknowledged events of the embedded log, kept in memory up to a byte budget
/// (<see cref="CollectOptions.RecentEventsMiB"/>) so that destinations read what just arrived
/// without waiting for the loader to put it into DuckDB (which, at low priority under load, can be
/// seconds behind). It holds every event after <see cref="From"/> up to the last commit, in log order;
/// the oldest leave as new ones come. Erasures take a person's events out of it (and zero their bytes).
/// <para>
/// Each event is kept as the packed bytes the segment file got (exactly what the store will hold),
/// copied into a ring of 1 MiB slabs allocated once, with the few fields a read filters on: no
/// object per event lives on, so the collector never has to trace or free the events of the last
/// second (a first version kept one array per event, and the dead ones piled up in the oldest
/// generation between full collections).
/// </para>
/// </summary>
internal sealed class RecentEvents
{
    private const int DefaultSlabBytes = 1 << 20;
    private const int MaxNames = 10_000;

    private readonly record struct Entry(long Seq, Guid WorkspaceId, Guid SourceId, string Type, string? Event, int Slab, int Offset, int Length);

    private readonly Lock _gate = new();
    private readonly byte[]?[] _slabs;
    private readonly int _slabBytes;
    private readonly List<Entry> _entries = [];
    private readonly Dictionary<string, string> _names = new(StringComparer.Ordinal);
    private int _start;
    private int _slab;
    private int _offset;
    private long _from;
    private long _to;

    /// <param name="slabBytes">The size of each slab (tests use small ones to see events leave).</param>
    public RecentEvents(long budgetBytes, int slabBytes = DefaultSlabBytes)
    {
        _slabBytes = slabBytes;
        _slabs = budgetBytes <= 0 ? [] : new byte[]?[Math.Max(2, (int)Math.Min(budgetBytes / slabBytes, 65_536))];
    }

    public bool Enabled => _slabs.Length > 0;

    /// <summary>Every event after this position up to <see cref="To"/> is here.</summary>
    public long From
    {
        get
        {
            lock (_gate)
                return _from;
        }
    }

    /// <summary>The position of the last commit added.</summary>
    public long To
    {
        get
        {
            lock (_gate)
                return _to;
        }
    }

    /// <summary>Starts empty at <paramref name="head"/> (everything up to it is in the store).</summary>
    public void Reset(long head)
    {
        lock (_gate)
        {
            _entries.Clear();
            _start = 0;
            _slab = 0;
            _offset = 0;
            _from = _to = head;
        }
    }

    /// <summary>Adds a commit's records (in order, after everything here, packed); the oldest leave to make room.</summary>
    public void Add(List<LogRecord> frame)
    {
        if (!Enabled || frame.Count == 0)
            return;
        lock (_gate)
        {
            foreach (var r in frame)
            {
                var packed = r.Packed!;
                if (packed.Length > _slabBytes)
                {
                    // Too big to keep: nothing before it can be answered from here any more.
                    _entries.Clear();
                    _start = 0;
                    _from = r.Seq;
                    continue;
                }
                if (_offset + packed.Length > _slabBytes)
                {
                    _slab = (_slab + 1) % _slabs.Length;
                    _offset = 0;
                    // The slab about to be written holds the oldest events: they leave.
                    while (_start < _entries.Count && _entries[_start].Slab == _slab)
                        _from = _entries[_start++].Seq;
                }
                var slab = _slabs[_slab] ??= new byte[_slabBytes];
                packed.CopyTo(slab.AsSpan(_offset));
                _entries.Add(new Entry(r.Seq, r.WorkspaceId, r.SourceId, Name(r.Type), r.Event is null ? null : Name(r.Event), _slab, _offset, packed.Length));
                _offset += packed.Length;
            }
            _to = frame[^1].Seq;
            if (_start > 4096 && _start * 2 > _entries.Count)
            {
                _entries.RemoveRange(0, _start);
                _start = 0;
            }
        }
    }

    /// <summary>One shared string per event name (a few hundred in practice), so entries keep no string of the request alive.</summary>
    private string Name(string name)
    {
        if (_names.TryGetValue(name, out var shared))
            return shared;
        if (_names.Count < MaxNames)
            _names[name] = name;
        return name;
    }

    /// <summary>
    /// The events of the workspace after <paramref name="afterSeq"/> up to <paramref name="upTo"/> (at most
    /// <see cref="To"/>) from the sources and of the names, or null when some of them already left
    /// (<paramref name="afterSeq"/> is before <see cref="From"/>); with the position the answer covers.
    /// </summary>
    public (List<LoggedEvent> Events, long Head)? Read(Guid workspaceId, IReadOnlyList<Guid> sources, IReadOnlyList<string>? names, long afterSeq, long upTo) =>
        Collect(afterSeq, upTo, int.MaxValue,
            r => r.WorkspaceId == workspaceId && sources.Contains(r.SourceId) && (names is null || names.Contains(r.Event ?? r.Type)),
            LogRecord.UnpackForDelivery);

    /// <summary>
    /// Every event after <paramref name="afterSeq"/>, at most <paramref name="max"/>, with every field (the
    /// profile builder's read), or null when some already left; with the position the answer covers.
    /// </summary>
    public (List<LoggedEvent> Events, long Head)? ReadAll(long afterSeq, int max) =>
        Collect(afterSeq, long.MaxValue, max, null, LogRecord.Unpack);

    private delegate LoggedEvent Unpacker(long seq, ReadOnlySpan<byte> packed);

    private (List<LoggedEvent> Events, long Head)? Collect(long afterSeq, long upTo, int max, Func<Entry, bool>? wanted, Unpacker unpack)
    {
        var matches = new List<Entry>();
        byte[] copy;
        long covered;
        lock (_gate)
        {
            if (afterSeq < _from)
                return null;
            var head = Math.Min(upTo, _to);
            var lo = _start;
            var hi = _entries.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_entries[mid].Seq <= afterSeq)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            var bytes = 0;
            for (var i = lo; i < _entries.Count && _entries[i].Seq <= head; i++)
            {
                var r = _entries[i];
                if (wanted is not null && !wanted(r))
                    continue;
                matches.Add(r);
                bytes += r.Length;
                if (matches.Count == max)
                {
                    // As many as asked for: the answer covers up to the last of them.
                    head = r.Seq;
                    break;
                }
            }
            // Copied out under the lock (a slab is reused once the ring comes round), unpacked outside it;
            // the buffer is pooled (a read copies megabytes, which would be large-object garbage each time).
            copy = System.Buffers.ArrayPool<byte>.Shared.Rent(Math.Max(bytes, 1));
            var at = 0;
            foreach (var r in matches)
            {
                _slabs[r.Slab].AsSpan(r.Offset, r.Length).CopyTo(copy.AsSpan(at));
                at += r.Length;
            }
            covered = Math.Max(head, afterSeq);
        }
        var events = new List<LoggedEvent>(matches.Count);
        try
        {
            // The copies lie one after another in the order of the matches.
            var at = 0;
            foreach (var r in matches)
            {
                events.Add(unpack(r.Seq, copy.AsSpan(at, r.Length)));
                at += r.Length;
            }
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(copy);
        }
        return (events, covered);
    }

    /// <summary>Takes out the workspace's events sent with one of <paramref name="ids"/> (as user, anonymous or previous id) and zeroes their bytes.</summary>
    public void Erase(Guid workspaceId, IReadOnlyList<string> ids)
    {
        var set = ids.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            var kept = new List<Entry>(_entries.Count - _start);
            for (var i = _start; i < _entries.Count; i++)
            {
                var r = _entries[i];
                var bytes = _slabs[r.Slab].AsSpan(r.Offset, r.Length);
                if (r.WorkspaceId == workspaceId && LogRecord.PackedIds(r.Seq, bytes).Exists(set.Contains))
                    bytes.Clear();
                else
                    kept.Add(r);
            }
            _entries.Clear();
            _entries.AddRange(kept);
            _start = 0;
        }
    }
}
