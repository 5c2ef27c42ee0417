using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Pulse.Platform.Cluster;

/// <summary>
/// "Something cached changed": a module that caches settings (sources, plans) announces a change
/// under a topic and every node that cached them drops its copy. In embedded mode the announcement
/// stays in the process; in cluster mode it goes through Redis pub/sub to every node. A lost
/// announcement (Redis away) only delays the change until the cache's own expiry.
/// </summary>
public interface ICacheSignals
{
    void Announce(string topic);

    void Subscribe(string topic, Action changed);
}

internal class LocalCacheSignals : ICacheSignals
{
    private readonly ConcurrentDictionary<string, List<Action>> _handlers = new(StringComparer.Ordinal);

    public virtual void Announce(string topic) => Deliver(topic);

    public void Subscribe(string topic, Action changed)
    {
        var list = _handlers.GetOrAdd(topic, _ => []);
        lock (list)
            list.Add(changed);
    }

    protected void Deliver(string topic)
    {
        if (!_handlers.TryGetValue(topic, out var list))
            return;
        Action[] handlers;
        lock (list)
            handlers = [.. list];
        foreach (var h in handlers)
            h();
    }
}

/// <summary>Cluster mode: announcements also go to the other nodes over the Redis channel <c>pulse:cache</c>.</summary>
internal sealed partial class RedisCacheSignals : LocalCacheSignals
{
    private static readonly RedisChannel Channel = RedisChannel.Literal("pulse:cache");
    private readonly RedisConnection _redis;
    private readonly ILogger<RedisCacheSignals> _log;
    private int _subscribed;

    public RedisCacheSignals(RedisConnection redis, ILogger<RedisCacheSignals> log)
    {
        _redis = redis;
        _log = log;
    }

    /// <summary>
    /// Starts listening to the other nodes (the server; a CLI command only announces); false if Redis
    /// cannot be reached yet. Once made, the subscription is renewed by the connection after a reconnect.
    /// </summary>
    public bool Listen()
    {
        if (Volatile.Read(ref _subscribed) == 1)
            return true;
        try
        {
            _redis.Subscriber.Subscribe(Channel, (_, message) => Deliver(message.ToString()));
            Volatile.Write(ref _subscribed, 1);
            return true;
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogFailed(_log, e);
            return false;
        }
    }

    public override void Announce(string topic)
    {
        Deliver(topic);
        try
        {
            _redis.Subscriber.Publish(Channel, topic, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException)
        {
            LogFailed(_log, e);
        }
    }

    [LoggerMessage(EventId = 1162, Level = LogLevel.Warning, Message = "Cache change announcements through Redis failed; other nodes see changes when their caches expire.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
