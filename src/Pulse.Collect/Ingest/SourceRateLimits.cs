using System.Collections.Concurrent;
using System.Threading.RateLimiting;

namespace Pulse.Collect.Ingest;

/// <summary>
/// Events per second per source, as token buckets that hold two seconds' worth (at least 500
/// events, so that any allowed batch fits). Counted per event, not per request.
/// </summary>
internal sealed class SourceRateLimits : IDisposable
{
    private readonly ConcurrentDictionary<Guid, (int Rate, TokenBucketRateLimiter Bucket)> _buckets = new();

    public readonly record struct Decision(bool Allowed, int Limit, long Remaining, int RetryAfterSeconds, bool NeverFits);

    public Decision TryTake(IngestSource source, int events)
    {
        if (source.RateLimitPerSecond <= 0 || events == 0)
            return new Decision(true, 0, 0, 0, false);
        var entry = _buckets.AddOrUpdate(source.Id,
            _ => (source.RateLimitPerSecond, Make(source.RateLimitPerSecond)),
            (_, old) =>
            {
                if (old.Rate == source.RateLimitPerSecond)
                    return old;
                old.Bucket.Dispose();
                return (source.RateLimitPerSecond, Make(source.RateLimitPerSecond));
            });
        var capacity = Capacity(entry.Rate);
        if (events > capacity)
            return new Decision(false, entry.Rate, 0, 1, true);
        using var lease = entry.Bucket.AttemptAcquire(events);
        var remaining = entry.Bucket.GetStatistics()?.CurrentAvailablePermits ?? 0;
        if (lease.IsAcquired)
            return new Decision(true, entry.Rate, remaining, 0, false);
        var missing = events - remaining;
        var wait = Math.Max(1, (int)Math.Ceiling(missing / (double)entry.Rate));
        return new Decision(false, entry.Rate, remaining, wait, false);
    }

    private static int Capacity(int rate) => (int)Math.Min(int.MaxValue, Math.Max(500L, rate * 2L));

    private static TokenBucketRateLimiter Make(int rate) => new(new TokenBucketRateLimiterOptions
    {
        TokenLimit = Capacity(rate),
        TokensPerPeriod = rate,
        ReplenishmentPeriod = TimeSpan.FromSeconds(1),
        QueueLimit = 0,
        AutoReplenishment = true,
    });

    public void Dispose()
    {
        foreach (var (_, bucket) in _buckets.Values)
            bucket.Dispose();
    }
}
