using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Tests.Enrichment;

public sealed class BoundedCacheTests
{
    private static readonly Func<string, string> Upper = static k => k.ToUpperInvariant();

    [Fact]
    public void GetOrAdd_EvictsTheEntryNotHitSinceTheClockHandLastPassed()
    {
        var cache = new BoundedCache<string, string>(3);
        foreach (var k in new[] { "a", "b", "c" })
            cache.GetOrAdd(k, Upper);
        cache.GetOrAdd("a", Upper); // a hit: a gets a second chance

        cache.GetOrAdd("d", Upper);
        Assert.Equal(["a", "c", "d"], Cached(cache, "a", "b", "c", "d"));

        cache.GetOrAdd("e", Upper);
        Assert.Equal(["a", "d", "e"], Cached(cache, "a", "b", "c", "d", "e"));

        // a's second chance was used up when the hand passed it for d; d is hit now, so a goes next.
        cache.GetOrAdd("d", Upper);
        cache.GetOrAdd("f", Upper);
        Assert.Equal(["d", "e", "f"], Cached(cache, "a", "b", "c", "d", "e", "f"));
        Assert.Equal(3, cache.Count);
    }

    [Fact]
    public void GetOrAdd_KeepsRepeatedKeys_WhileALongTailOfOneOffKeysPassesThrough()
    {
        var cache = new BoundedCache<string, string>(100);
        var hot = Enumerable.Range(0, 20).Select(i => "hot" + i).ToArray();
        for (var i = 0; i < 10_000; i++)
        {
            cache.GetOrAdd(hot[i % hot.Length], Upper);
            cache.GetOrAdd("tail" + i, Upper);
        }
        Assert.All(hot, k => Assert.True(cache.Contains(k), k));
        Assert.Equal(100, cache.Count);
    }

    [Fact]
    public void GetOrAdd_MakesEachValueOnce_WhileItStaysCached()
    {
        var made = 0;
        var cache = new BoundedCache<int, int>(10);
        Func<int, int> make = k => { made++; return k * 2; };
        for (var round = 0; round < 5; round++)
            for (var k = 0; k < 10; k++)
                Assert.Equal(k * 2, cache.GetOrAdd(k, make));
        Assert.Equal(10, made);
    }

    [Fact]
    public void GetOrAdd_AllocatesNothingOnAHit()
    {
        var cache = new BoundedCache<string, string>(16);
        var key = "Mozilla/5.0 (X11; Linux x86_64)";
        cache.GetOrAdd(key, Upper);
        cache.GetOrAdd(key, Upper);
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
            cache.GetOrAdd(key, Upper);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public async Task GetOrAdd_NeverHoldsMoreThanItsCapacity_AndReturnsEachKeysValue_UnderConcurrentUse()
    {
        const int capacity = 64;
        var cache = new BoundedCache<int, int>(capacity);
        var wrong = 0;
        var workers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            var random = new Random(w);
            for (var i = 0; i < 50_000; i++)
            {
                // Skewed: low keys repeat often, high keys rarely.
                var key = (int)(1000 * Math.Pow(random.NextDouble(), 3));
                if (cache.GetOrAdd(key, static k => k + 1) != key + 1)
                    Interlocked.Increment(ref wrong);
                if (cache.Count > capacity)
                    Interlocked.Increment(ref wrong);
            }
        })).ToArray();
        await Task.WhenAll(workers);
        Assert.Equal(0, wrong);
        Assert.Equal(capacity, cache.Count);
        Assert.Equal(capacity, Enumerable.Range(0, 1000).Count(cache.Contains));
    }

    private static string[] Cached(BoundedCache<string, string> cache, params string[] keys) => keys.Where(cache.Contains).ToArray();
}
