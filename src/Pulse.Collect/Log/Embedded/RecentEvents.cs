namespace Pulse.Collect.Log;

/// <summary>
/// The newest acknowledged events of the embedded log, kept in memory up to a byte budget
/// (<see cref="CollectOptions.RecentEventsMiB"/>) so that destinations read what just arrived
/// without waiting for the loader to put it into DuckDB (which, at low priority under load, can be
/// seconds behind). It holds every event after <see cref="From"/> up to the last commit, in log order;
/// the oldest leave as new ones come. Erasures take a person's events out of it too.
/// <para>
/// Each event is kept as the packed bytes the segment file got (one array, exactly what the store
/// will hold) with the few fields a read filters on, not as the request's objects: a couple of
/// objects per event instead of dozens of strings, so the budget is what it uses and the collector
/// has little to trace.
/// </para>
/// </summary>
internal sealed class RecentEvents(long budgetBytes)
{
    private readonly record struct Entry(long Seq, Guid WorkspaceId, Guid SourceId, string Type, string? Event, byte[] Packed);

    // The entry and its name strings beside the packed bytes, roughly.
    private const int Overhead = 120;
    private readonly Lock _gate = new();
    private readonly List<Entry> _records = [];
    private int _start;
    private long _bytes;
    private long _from;
    private long _to;

    public bool Enabled => budgetBytes > 0;

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
            _records.Clear();
            _start = 0;
            _bytes = 0;
            _from = _to = head;
        }
    }

    /// <summary>Adds a commit's records (in order, after everything here); the oldest leave past the budget.</summary>
    public void Add(List<LogRecord> frame)
    {
        if (!Enabled || frame.Count == 0)
            return;
        lock (_gate)
        {
            foreach (var r in frame)
            {
                _records.Add(new Entry(r.Seq, r.WorkspaceId, r.SourceId, r.Type, r.Event, r.Packed!));
                _bytes += r.Packed!.Length + Overhead;
            }
            _to = frame[^1].Seq;
            while (_bytes > budgetBytes && _start < _records.Count)
            {
                var old = _records[_start];
                _records[_start++] = default;
                _bytes -= old.Packed.Length + Overhead;
                _from = old.Seq;
            }
            if (_start > 4096 && _start * 2 > _records.Count)
            {
                _records.RemoveRange(0, _start);
                _start = 0;
            }
        }
    }

    /// <summary>
    /// The events of the workspace after <paramref name="afterSeq"/> up to <paramref name="upTo"/> (at most
    /// <see cref="To"/>) from the sources and of the names, or null when some of them already left
    /// (<paramref name="afterSeq"/> is before <see cref="From"/>); with the position the answer covers.
    /// </summary>
    public (List<LoggedEvent> Events, long Head)? Read(Guid workspaceId, IReadOnlyList<Guid> sources, IReadOnlyList<string>? names, long afterSeq, long upTo)
    {
        var found = new List<Entry>();
        long covered;
        lock (_gate)
        {
            if (afterSeq < _from)
                return null;
            var head = Math.Min(upTo, _to);
            var lo = _start;
            var hi = _records.Count;
            while (lo < hi)
            {
                var mid = (lo + hi) >>> 1;
                if (_records[mid].Seq <= afterSeq)
                    lo = mid + 1;
                else
                    hi = mid;
            }
            for (var i = lo; i < _records.Count && _records[i].Seq <= head; i++)
            {
                var r = _records[i];
                if (r.WorkspaceId != workspaceId || !Contains(sources, r.SourceId))
                    continue;
                if (names is not null && !(r.Event is { } e ? Contains(names, e) : Contains(names, r.Type)))
                    continue;
                found.Add(r);
            }
            covered = Math.Max(head, afterSeq);
        }
        var events = new List<LoggedEvent>(found.Count);
        foreach (var r in found)
            events.Add(LogRecord.UnpackForDelivery(r.Seq, r.Packed));
        return (events, covered);
    }

    /// <summary>Takes out the workspace's events sent with one of <paramref name="ids"/> (as user, anonymous or previous id).</summary>
    public void Erase(Guid workspaceId, IReadOnlyList<string> ids)
    {
        var set = ids.ToHashSet(StringComparer.Ordinal);
        lock (_gate)
        {
            var kept = new List<Entry>(_records.Count - _start);
            for (var i = _start; i < _records.Count; i++)
            {
                var r = _records[i];
                if (r.WorkspaceId == workspaceId && LogRecord.PackedIds(r.Packed).Any(set.Contains))
                    _bytes -= r.Packed.Length + Overhead;
                else
                    kept.Add(r);
            }
            _records.Clear();
            _records.AddRange(kept);
            _start = 0;
        }
    }

    private static bool Contains<T>(IReadOnlyList<T> list, T value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (EqualityComparer<T>.Default.Equals(list[i], value))
                return true;
        }
        return false;
    }
}
