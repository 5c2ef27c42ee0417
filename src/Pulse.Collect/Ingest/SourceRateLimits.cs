using Pulse.Platform.Cluster;

namespace Pulse.Collect.Ingest;

/// <summary>
/// Events per second per source, as token buckets that hold two seconds' worth (at least 500
/// events, so that any allowed batch fits). Counted per event, not per request. The buckets are
/// the <see cref="IRateGate"/>'s: in cluster mode in Redis, so the limit is the source's over all
/// nodes together.
/// </summary>
internal sealed class SourceRateLimits(IRateGate gate)
{
    internal readonly record struct Decision(bool Allowed, int Limit, long Remaining, int RetryAfterSeconds, bool NeverFits);

    public Decision TryTake(IngestSource source, int events)
    {
        if (source.RateLimitPerSecond <= 0 || events == 0)
            return new Decision(true, 0, 0, 0, false);
        var rate = source.RateLimitPerSecond;
        var capacity = Capacity(rate);
        if (events > capacity)
            return new Decision(false, rate, 0, 1, true);
        var taken = gate.TryTake("source:" + source.Id.ToString("N"), rate, capacity, events);
        return new Decision(taken.Allowed, rate, taken.Remaining, taken.RetryAfterSeconds, false);
    }

    private static int Capacity(int rate) => (int)Math.Min(int.MaxValue, Math.Max(500L, rate * 2L));
}
