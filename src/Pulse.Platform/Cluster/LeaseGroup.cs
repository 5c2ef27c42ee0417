namespace Pulse.Platform.Cluster;

/// <summary>
/// A set of numbered partitions of one kind of work (a log consumer's "profiles" …), each processed
/// by exactly one node at a time. The node holds a partition while its lease is renewed; each new
/// holder gets a larger <c>epoch</c>, which the work checks in its commits (fencing), so a node that
/// lost a lease without noticing cannot commit work for it.
/// </summary>
public sealed class LeaseGroup
{
    private readonly object _gate = new();
    private Dictionary<int, long> _owned = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public LeaseGroup(string name, int partitions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Name = name;
        Partitions = partitions;
    }

    public string Name { get; }

    public int Partitions { get; }

    /// <summary>Partitions this node holds now, with the epoch of its lease on each.</summary>
    public IReadOnlyDictionary<int, long> Owned
    {
        get
        {
            lock (_gate)
                return _owned;
        }
    }

    /// <summary>Completes the next time <see cref="Owned"/> changes.</summary>
    public Task Changed
    {
        get
        {
            lock (_gate)
                return _changed.Task;
        }
    }

    /// <summary>Replaces the set of held partitions (by the lease keeper).</summary>
    internal void Set(Dictionary<int, long> owned)
    {
        TaskCompletionSource signal;
        lock (_gate)
        {
            if (owned.Count == _owned.Count && owned.All(kv => _owned.TryGetValue(kv.Key, out var e) && e == kv.Value))
                return;
            _owned = owned;
            signal = _changed;
            _changed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        signal.TrySetResult();
    }
}
