using System.Collections.Concurrent;

namespace Pulse.Collect.Enrichment;

/// <summary>
/// A cache of derived values for inputs that repeat (user agents, referrers) that never holds more
/// than its capacity and, when full, evicts the entry least recently used, approximated by CLOCK
/// (second chance).
/// </summary>
/// <remarks>
/// Every ingest thread reads it for every event and nearly every read is a hit, so a hit is a
/// lock-free dictionary read plus, the first time an entry is hit after the clock hand passed it,
/// one store of its reference bit: no lock, no allocation, no shared list to reorder. A strict LRU
/// would move the entry to the head of a list under a lock on every hit, making the hot path
/// contend. Only a miss (rare, and already paying for a parse) takes the lock: the hand sweeps the
/// ring of entries, giving each entry hit since its last pass a second chance (clearing its bit) and
/// evicting the first one that was not hit. New entries start with their bit clear, so a long tail
/// of values seen once is evicted before values that repeat. Get and put are O(1) amortised: each
/// sweep step clears a bit that a hit set.
/// </remarks>
internal sealed class BoundedCache<TKey, TValue> where TKey : notnull
{
    private sealed class Entry(TKey key, TValue value)
    {
        public readonly TKey Key = key;
        public readonly TValue Value = value;
        public volatile bool Referenced;
    }

    private readonly ConcurrentDictionary<TKey, Entry> _map;
    private readonly Entry?[] _ring;
    private readonly Lock _gate = new();
    private int _hand;
    private int _count;

    public BoundedCache(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _ring = new Entry?[capacity];
        _map = new ConcurrentDictionary<TKey, Entry>(Environment.ProcessorCount, capacity);
    }

    public int Capacity => _ring.Length;

    public int Count => Volatile.Read(ref _count);

    public TValue GetOrAdd(TKey key, Func<TKey, TValue> make)
    {
        if (_map.TryGetValue(key, out var hit))
        {
            // Read before writing, so that hits on a hot entry do not keep writing its cache line.
            if (!hit.Referenced)
                hit.Referenced = true;
            return hit.Value;
        }
        // Made outside the lock: parsing is the slow part, and two threads making the same value
        // at once only waste one parse.
        var entry = new Entry(key, make(key));
        lock (_gate)
        {
            if (_map.TryGetValue(key, out var raced))
                return raced.Value;
            if (_count < _ring.Length)
            {
                _ring[_count] = entry;
                Volatile.Write(ref _count, _count + 1);
            }
            else
            {
                while (_ring[_hand]!.Referenced)
                {
                    _ring[_hand]!.Referenced = false;
                    _hand = _hand + 1 == _ring.Length ? 0 : _hand + 1;
                }
                _map.TryRemove(_ring[_hand]!.Key, out _);
                _ring[_hand] = entry;
                _hand = _hand + 1 == _ring.Length ? 0 : _hand + 1;
            }
            _map[key] = entry;
        }
        return entry.Value;
    }

    /// <summary>Whether the key is cached, without counting as a use (for tests).</summary>
    internal bool Contains(TKey key) => _map.ContainsKey(key);
}
