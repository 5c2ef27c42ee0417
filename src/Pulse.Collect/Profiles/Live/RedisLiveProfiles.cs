using System.Globalization;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Cluster;
using StackExchange.Redis;

namespace Pulse.Collect.Profiles.Live;

/// <summary>
/// Cluster mode: the real-time state in Redis, shared by every node. A visitor is a hash
/// <c>pulse:lp:{workspace}:id</c>; the workspace's activity index is a sorted set
/// <c>pulse:active:{workspace}</c> scored by last-seen time. The braces make every key of a
/// workspace hash to the same slot, so one script can update them together. A request's visitors are
/// updated by one script call, sent without waiting for the answer; while Redis is away the
/// updates are dropped (the state is then behind, never wrong about what it shows).
/// </summary>
internal sealed partial class RedisLiveProfiles(RedisConnection redis, TimeProvider time, ILogger<RedisLiveProfiles> log) : LiveProfiles(time)
{
    private const int ArgsPerVisitor = 9;

    // KEYS[1] the activity index, KEYS[2..] the visitors' hashes. ARGV[1] session timeout (ms),
    // ARGV[2] horizon (ms), then per visitor: id, time (ms), events, pages, source, medium,
    // campaign, landing page, device ('' for none).
    private const string Script = """
        local timeout = tonumber(ARGV[1])
        local horizon = tonumber(ARGV[2])
        local newest = 0
        for i = 2, #KEYS do
            local b = 3 + (i - 2) * 9
            local at = tonumber(ARGV[b + 1])
            local ls = tonumber(redis.call('HGET', KEYS[i], 'ls'))
            if ls == nil or at - ls > timeout then
                redis.call('HSET', KEYS[i], 'ls', at, 'ss', at, 'se', 0, 'sp', 0,
                    'src', ARGV[b + 4], 'med', ARGV[b + 5], 'cmp', ARGV[b + 6], 'land', ARGV[b + 7], 'dev', ARGV[b + 8])
                ls = at
            end
            redis.call('HINCRBY', KEYS[i], 'se', ARGV[b + 2])
            redis.call('HINCRBY', KEYS[i], 'sp', ARGV[b + 3])
            if at > ls then
                redis.call('HSET', KEYS[i], 'ls', at)
                ls = at
            end
            redis.call('ZADD', KEYS[1], ls, ARGV[b])
            redis.call('PEXPIRE', KEYS[i], horizon)
            if ls > newest then newest = ls end
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. (newest - horizon))
        redis.call('PEXPIRE', KEYS[1], horizon)
        return 1
        """;

    private int _warned;

    private protected override void Apply(List<VisitorTouch> touches)
    {
        foreach (var group in touches.GroupBy(t => t.WorkspaceId))
        {
            var keys = new List<RedisKey> { ActiveKey(group.Key) };
            var args = new List<RedisValue> { (long)SessionTimeout.TotalMilliseconds, (long)Horizon.TotalMilliseconds };
            foreach (var t in group)
            {
                keys.Add(VisitorKey(group.Key, t.Key));
                args.AddRange([t.Key, t.AtMs, t.Events, t.Pages, t.Source ?? "", t.Medium ?? "", t.Campaign ?? "", t.Landing ?? "", t.Device ?? ""]);
            }
            try
            {
                _ = redis.Database.ScriptEvaluateAsync(Script, [.. keys], [.. args], CommandFlags.FireAndForget);
                Interlocked.Exchange(ref _warned, 0);
            }
            catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
            {
                if (Interlocked.Exchange(ref _warned, 1) == 0)
                    LogDropped(log, e);
            }
        }
    }

    public override async Task<IReadOnlyList<LiveVisitorDto>> GetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        var hashes = await Task.WhenAll(distinct.Select(id => Call(() => redis.Database.HashGetAllAsync(VisitorKey(workspaceId, id)))));
        var list = new List<LiveVisitorDto>();
        for (var i = 0; i < distinct.Count; i++)
        {
            if (Dto(distinct[i], hashes[i]) is { } dto)
                list.Add(dto);
        }
        return list;
    }

    public override async Task<ActivityDto> ActivityAsync(Guid workspaceId, int recent, CancellationToken ct)
    {
        var key = ActiveKey(workspaceId);
        var now = Time.GetUtcNow().ToUnixTimeMilliseconds();
        var db = redis.Database;
        var counts = await Task.WhenAll(
            Call(() => db.SortedSetLengthAsync(key, now - (long)ActiveWindow.TotalMilliseconds)),
            Call(() => db.SortedSetLengthAsync(key, now - (long)TimeSpan.FromMinutes(30).TotalMilliseconds)),
            Call(() => db.SortedSetLengthAsync(key, now - (long)Horizon.TotalMilliseconds)));
        var latest = await Call(() => db.SortedSetRangeByScoreAsync(key, now - (long)Horizon.TotalMilliseconds, double.PositiveInfinity,
            order: Order.Descending, take: recent));
        var visitors = await GetAsync(workspaceId, [.. latest.Select(m => (string)m!)], ct);
        return new ActivityDto(counts[0], counts[1], counts[2],
            visitors.OrderByDescending(v => v.LastSeen).ThenBy(v => v.Id, StringComparer.Ordinal).ToList());
    }

    public override async Task<long> ForgetAsync(Guid workspaceId, IReadOnlyList<string> ids, CancellationToken ct)
    {
        var distinct = ids.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count == 0)
            return 0;
        var removed = await Call(() => redis.Database.KeyDeleteAsync([.. distinct.Select(id => VisitorKey(workspaceId, id))]));
        await Call(() => redis.Database.SortedSetRemoveAsync(ActiveKey(workspaceId), [.. distinct.Select(id => (RedisValue)id)]));
        return removed;
    }

    private LiveVisitorDto? Dto(string id, HashEntry[] hash)
    {
        if (hash.Length == 0)
            return null;
        var h = hash.ToDictionary(e => (string)e.Name!, e => e.Value);
        static string? Text(Dictionary<string, RedisValue> h, string name) => h.TryGetValue(name, out var v) && !v.IsNullOrEmpty ? (string?)v : null;
        static long Number(Dictionary<string, RedisValue> h, string name) =>
            h.TryGetValue(name, out var v) && long.TryParse((string?)v, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : 0;
        var lastSeen = Number(h, "ls");
        if (lastSeen == 0 || Time.GetUtcNow().ToUnixTimeMilliseconds() - lastSeen > (long)Horizon.TotalMilliseconds)
            return null;
        var session = new LiveSession(DateTimeOffset.FromUnixTimeMilliseconds(Number(h, "ss")), Number(h, "se"), Number(h, "sp"),
            Text(h, "src"), Text(h, "med"), Text(h, "cmp"), Text(h, "land"), Text(h, "dev"));
        return new LiveVisitorDto(id, DateTimeOffset.FromUnixTimeMilliseconds(lastSeen), IsActive(lastSeen), session);
    }

    /// <summary>A read of the state; Redis away is the cluster's shared state being away: 503 with Retry-After, like the database.</summary>
    private static async Task<T> Call<T>(Func<Task<T>> read)
    {
        try
        {
            return await read();
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            throw new Platform.Access.UnavailableException("The real-time state (Redis) cannot be reached just now; retry shortly.");
        }
    }

    private static RedisKey ActiveKey(Guid workspaceId) => $"pulse:active:{{{workspaceId:N}}}";

    private static RedisKey VisitorKey(Guid workspaceId, string id) => $"pulse:lp:{{{workspaceId:N}}}:{id}";

    [LoggerMessage(EventId = 2330, Level = LogLevel.Warning, Message = "Real-time visitor state could not be written to Redis; sessions and \"active now\" fall behind until it answers.")]
    private static partial void LogDropped(ILogger logger, Exception e);
}
