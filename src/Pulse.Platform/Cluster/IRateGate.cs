using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Token buckets by key (a source, an API client): <c>rate</c> tokens a second, at most
/// <c>capacity</c> saved up. In cluster mode the buckets live in Redis, so a limit holds across all
/// nodes together (<see cref="RedisRateGate"/>); embedded mode keeps them in memory.
/// </summary>
public interface IRateGate
{
    RateDecision TryTake(string key, double rate, int capacity, int count);
}

/// <param name="RetryAfterSeconds">When refused: whole seconds until enough tokens are back.</param>
public readonly record struct RateDecision(bool Allowed, long Remaining, int RetryAfterSeconds);

/// <summary>Buckets in this process's memory (embedded mode, and cluster mode while Redis is unreachable).</summary>
internal sealed class LocalRateGate : IRateGate, IDisposable
{
    private readonly ConcurrentDictionary<string, (double Rate, int Capacity, TokenBucketRateLimiter Bucket)> _buckets = new(StringComparer.Ordinal);

    public RateDecision TryTake(string key, double rate, int capacity, int count)
    {
        var entry = _buckets.AddOrUpdate(key,
            _ => (rate, capacity, Make(rate, capacity)),
            (_, old) =>
            {
                if (old.Rate == rate && old.Capacity == capacity)
                    return old;
                old.Bucket.Dispose();
                return (rate, capacity, Make(rate, capacity));
            });
        using var lease = entry.Bucket.AttemptAcquire(count);
        var remaining = entry.Bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;
        return lease.IsAcquired
            ? new RateDecision(true, remaining, 0)
            : new RateDecision(false, remaining, WaitSeconds(count - remaining, rate));
    }

    internal static int WaitSeconds(double missing, double rate) => Math.Max(1, (int)Math.Ceiling(missing / rate));

    // The limiter refills whole tokens per period: a rate under one a second refills one token every 1/rate seconds.
    private static TokenBucketRateLimiter Make(double rate, int capacity) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = capacity,
        TokensPerPeriod = rate >= 1 ? (int)Math.Round(rate) : 1,
        ReplenishmentPeriod = rate >= 1 ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(1 / rate),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    public void Dispose()
    {
        foreach (var (_, _, bucket) in _buckets.Values)
            bucket.Dispose();
    }
}
