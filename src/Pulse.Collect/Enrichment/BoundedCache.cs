using System.Collections.Concurrent;

namespace Pulse.Collect.Enrichment;

/// <summary>
/// A cache of derived values for inputs that repeat (user agents, referrers). It never holds more
/// than its capacity: when full it starts over, which costs a few recomputations and no memory.
/// </summary>
internal sealed class BoundedCache<TKey, TValue>(int capacity) where TKey : notnull
{
    private readonly ConcurrentDictionary<TKey, TValue> _map = new();

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> make)
    {
        if (_map.TryGetValue(key, out var value))
            return value;
        value = make(key);
        if (_map.Count >= capacity)
            _map.Clear();
        _map.TryAdd(key, value);
        return value;
    }

    public int Count => _map.Count;
}
