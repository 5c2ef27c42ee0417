using System.Threading.RateLimiting;
using Pulse.Platform.Cluster;

namespace Pulse.Platform.Http;

/// <summary>ASP.NET Core's rate-limiting middleware over an <see cref="IRateGate"/> bucket, so API limits hold across a cluster's nodes.</summary>
internal sealed class GateRateLimiter(IRateGate gate, string key, double rate, int capacity) : RateLimiter
{
    public override TimeSpan? IdleDuration => null;

    public override RateLimiterStatistics? GetStatistics() => null;

    protected override RateLimitLease AttemptAcquireCore(int permitCount)
    {
        var decision = gate.TryTake(key, rate, capacity, Math.Max(1, permitCount));
        return new Lease(decision.Allowed, TimeSpan.FromSeconds(decision.RetryAfterSeconds));
    }

    protected override ValueTask<RateLimitLease> AcquireAsyncCore(int permitCount, CancellationToken cancellationToken) =>
        ValueTask.FromResult(AttemptAcquireCore(permitCount));

    private sealed class Lease(bool acquired, TimeSpan retryAfter) : RateLimitLease
    {
        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => acquired ? [] : [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            if (!acquired && metadataName == MetadataName.RetryAfter.Name)
            {
                metadata = retryAfter;
                return true;
            }
            metadata = null;
            return false;
        }
    }
}
