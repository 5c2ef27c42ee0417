using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Token buckets in Redis, shared by every node: one Lua script per take refills the bucket by the
/// time passed (Redis's own clock, so the nodes' clocks do not matter) and takes the tokens if they
/// are there, atomically. If Redis cannot be reached the node falls back to buckets of its own
/// (each node then allows the full rate, so the cluster may allow a multiple of it until Redis is
/// back) rather than refusing or failing requests; the limit holds across the cluster again as soon
/// as Redis answers.
/// </summary>
internal sealed partial class RedisRateGate(RedisConnection redis, LocalRateGate fallback, ILogger<RedisRateGate> log) : IRateGate
{
    private const string Script = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
        local rate = tonumber(ARGV[1])
        local cap = tonumber(ARGV[2])
        local cost = tonumber(ARGV[3])
        local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
        local tokens = tonumber(b[1])
        local ts = tonumber(b[2])
        if tokens == nil or ts == nil then
            tokens = cap
            ts = now
        end
        tokens = math.min(cap, tokens + math.max(0, now - ts) * rate)
        local allowed = 0
        if tokens >= cost then
            tokens = tokens - cost
            allowed = 1
        end
        redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
        redis.call('PEXPIRE', KEYS[1], math.ceil(cap / rate * 1000) + 1000)
        return { allowed, tostring(tokens) }
        """;

    private int _degraded;

    public RateDecision TryTake(string key, double rate, int capacity, int count)
    {
        try
        {
            var result = (RedisResult[])redis.Database.ScriptEvaluate(Script, [new RedisKey("pulse:rate:" + key)],
                [rate.ToString("R", CultureInfo.InvariantCulture), capacity, count])!;
            if (Interlocked.Exchange(ref _degraded, 0) == 1)
                LogRecovered(log);
            var allowed = (int)result[0] == 1;
            var tokens = double.Parse((string)result[1]!, CultureInfo.InvariantCulture);
            return allowed
                ? new RateDecision(true, (long)tokens, 0)
                : new RateDecision(false, (long)tokens, LocalRateGate.WaitSeconds(count - tokens, rate));
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            if (Interlocked.Exchange(ref _degraded, 1) == 0)
                LogDegraded(log, e);
            return fallback.TryTake(key, rate, capacity, count);
        }
    }

    [LoggerMessage(EventId = 1160, Level = LogLevel.Warning, Message = "Redis cannot be reached: rate limits are counted by this node alone until it answers again.")]
    private static partial void LogDegraded(ILogger logger, Exception e);

    [LoggerMessage(EventId = 1161, Level = LogLevel.Information, Message = "Redis answers again: rate limits are shared by the cluster.")]
    private static partial void LogRecovered(ILogger logger);
}
