using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Pulse.Platform.Cluster;

/// <summary>
/// Short-lived messages for whoever is watching right now (the live debugger): published on one
/// node, delivered to the listeners of the channel on every node. Nothing is kept: a message
/// without listeners is gone, and a listener sees only what is published while it listens. In
/// embedded mode delivery stays in the process; in cluster mode it also goes through Redis pub/sub.
/// </summary>
public interface IFanOut
{
    /// <summary>Whether anyone on any node listens to <paramref name="channel"/>; cheap and never blocks (other nodes' listeners are seen within about a second).</summary>
    bool HasListeners(string channel);

    void Publish(string channel, ReadOnlyMemory<byte> payload);

    /// <summary>Calls <paramref name="handler"/> (on a pool thread) for every message of the channel until the result is disposed.</summary>
    IDisposable Subscribe(string channel, Action<ReadOnlyMemory<byte>> handler);
}

internal class LocalFanOut : IFanOut
{
    private readonly ConcurrentDictionary<string, List<Action<ReadOnlyMemory<byte>>>> _channels = new(StringComparer.Ordinal);

    public virtual bool HasListeners(string channel) => HasLocalListeners(channel);

    public virtual void Publish(string channel, ReadOnlyMemory<byte> payload) => Deliver(channel, payload);

    public IDisposable Subscribe(string channel, Action<ReadOnlyMemory<byte>> handler)
    {
        var list = _channels.GetOrAdd(channel, _ => []);
        bool first;
        lock (list)
        {
            first = list.Count == 0;
            list.Add(handler);
        }
        if (first)
            FirstListener(channel);
        return new Subscription(this, channel, handler);
    }

    /// <summary>The channels with listeners on this node.</summary>
    protected IEnumerable<string> LocalChannels() => _channels.Keys.Where(HasLocalListeners);

    protected bool HasLocalListeners(string channel)
    {
        if (!_channels.TryGetValue(channel, out var list))
            return false;
        lock (list)
            return list.Count > 0;
    }

    protected void Deliver(string channel, ReadOnlyMemory<byte> payload)
    {
        if (!_channels.TryGetValue(channel, out var list))
            return;
        Action<ReadOnlyMemory<byte>>[] handlers;
        lock (list)
            handlers = [.. list];
        foreach (var h in handlers)
            h(payload);
    }

    /// <summary>Called when a channel gets its first listener on this node.</summary>
    protected virtual void FirstListener(string channel)
    {
    }

    /// <summary>Called when a channel's last listener on this node leaves.</summary>
    protected virtual void LastListenerLeft(string channel)
    {
    }

    private void Unsubscribe(string channel, Action<ReadOnlyMemory<byte>> handler)
    {
        if (!_channels.TryGetValue(channel, out var list))
            return;
        bool last;
        lock (list)
        {
            if (!list.Remove(handler))
                return;
            last = list.Count == 0;
        }
        if (last)
            LastListenerLeft(channel);
    }

    private sealed class Subscription(LocalFanOut owner, string channel, Action<ReadOnlyMemory<byte>> handler) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
                owner.Unsubscribe(channel, handler);
        }
    }
}

/// <summary>
/// Cluster mode: a node subscribes to a channel's Redis channel <c>pulse:fan:{channel}</c> while it
/// has listeners of its own, and announces the channel in the sorted set <c>pulse:fan:watched</c>
/// (refreshed every 5 s, expiring 15 s after the last refresh, on Redis's clock). Once a second each
/// node reads that set, and it publishes to Redis only the channels in it, so an unwatched debugger
/// costs one small Redis read per node per second however many workspaces ingest. Each message
/// carries the sending node's id, so a node does not deliver its own messages twice. While Redis is
/// away a node's listeners still see that node's messages.
/// </summary>
internal sealed partial class RedisFanOut : LocalFanOut, IDisposable
{
    private const string Prefix = "pulse:fan:";
    private static readonly RedisKey WatchedKey = "pulse:fan:watched";
    private static readonly TimeSpan AnnounceEvery = TimeSpan.FromSeconds(5);

    private const string AnnounceScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        for i = 1, #ARGV do
            redis.call('ZADD', KEYS[1], now + 15000, ARGV[i])
        end
        redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
        return 1
        """;

    private const string WatchedScript = """
        local t = redis.call('TIME')
        local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
        return redis.call('ZRANGEBYSCORE', KEYS[1], now, '+inf')
        """;

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly ILogger<RedisFanOut> _log;
    private readonly Guid _node = Guid.NewGuid();
    /// <summary>Channels with listeners here whose Redis subscription is not made yet: 0 waiting for an attempt, 1 being attempted (one at a time, or messages would arrive twice).</summary>
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly ITimer _tick;
    private volatile HashSet<string> _watched = new(StringComparer.Ordinal);
    private long _lastAnnounce;
    private int _ticking;
    private int _warned;

    /// <remarks>The cadence is wall time, whatever clock the application runs on (tests run on a fake one).</remarks>
    public RedisFanOut(RedisConnection redis, ILogger<RedisFanOut> log)
    {
        _redis = redis;
        _log = log;
        _tick = _time.CreateTimer(_ => _ = TickAsync(), null, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(1));
    }

    public override bool HasListeners(string channel) => HasLocalListeners(channel) || _watched.Contains(channel);

    public override void Publish(string channel, ReadOnlyMemory<byte> payload)
    {
        Deliver(channel, payload);
        if (!_watched.Contains(channel))
            return;
        var message = new byte[16 + payload.Length];
        _node.TryWriteBytes(message);
        payload.Span.CopyTo(message.AsSpan(16));
        try
        {
            _redis.Subscriber.Publish(RedisChannel.Literal(Prefix + channel), message, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Warn(e);
        }
    }

    protected override void FirstListener(string channel)
    {
        _pending[channel] = 0;
        TrySubscribeRemote(channel);
        // Tell the other nodes at once rather than at the next announcement.
        Interlocked.Exchange(ref _lastAnnounce, 0);
        _ = TickAsync();
    }

    protected override void LastListenerLeft(string channel)
    {
        // The announcement is left to expire: another node may still watch the channel.
        _pending.TryRemove(channel, out _);
        _ = UnsubscribeRemoteAsync(channel);
    }

    private void TrySubscribeRemote(string channel)
    {
        if (_pending.TryUpdate(channel, 1, 0))
            _ = SubscribeRemoteAsync(channel);
    }

    private async Task SubscribeRemoteAsync(string channel)
    {
        try
        {
            await _redis.Subscriber.SubscribeAsync(RedisChannel.Literal(Prefix + channel), (_, value) => Received(channel, value));
            _pending.TryRemove(channel, out _);
            // A listener that left while the subscription was being made must not leave it behind.
            if (!HasLocalListeners(channel))
                await UnsubscribeRemoteAsync(channel);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _pending.TryUpdate(channel, 0, 1);
            Warn(e);
        }
    }

    private async Task UnsubscribeRemoteAsync(string channel)
    {
        try
        {
            if (!HasLocalListeners(channel))
                await _redis.Subscriber.UnsubscribeAsync(RedisChannel.Literal(Prefix + channel));
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Warn(e);
        }
    }

    /// <summary>Once a second: retry subscriptions Redis refused, announce this node's channels when due, and read which channels any node watches.</summary>
    private async Task TickAsync()
    {
        if (Interlocked.Exchange(ref _ticking, 1) == 1)
            return;
        try
        {
            foreach (var channel in _pending.Keys)
            {
                if (HasLocalListeners(channel))
                    TrySubscribeRemote(channel);
                else
                    _pending.TryRemove(channel, out _);
            }
            var db = _redis.Database;
            var last = Interlocked.Read(ref _lastAnnounce);
            var local = LocalChannels().Select(c => (RedisValue)c).ToArray();
            if (local.Length > 0 && (last == 0 || _time.GetElapsedTime(last) >= AnnounceEvery))
            {
                await db.ScriptEvaluateAsync(AnnounceScript, [WatchedKey], local);
                Interlocked.Exchange(ref _lastAnnounce, _time.GetTimestamp());
            }
            var watched = (RedisValue[])(await db.ScriptEvaluateAsync(WatchedScript, [WatchedKey]))!;
            _watched = new HashSet<string>(watched.Select(v => (string)v!), StringComparer.Ordinal);
            Interlocked.Exchange(ref _warned, 0);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            _watched = new HashSet<string>(StringComparer.Ordinal);
            Warn(e);
        }
        finally
        {
            Volatile.Write(ref _ticking, 0);
        }
    }

    private void Received(string channel, RedisValue value)
    {
        ReadOnlyMemory<byte> message = (byte[])value!;
        if (message.Length < 16 || new Guid(message.Span[..16]) == _node)
            return;
        Deliver(channel, message[16..]);
    }

    private void Warn(Exception e)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            LogFailed(_log, e);
    }

    public void Dispose() => _tick.Dispose();

    [LoggerMessage(EventId = 1163, Level = LogLevel.Warning, Message = "Live messages through Redis failed; watchers see only the events of the node they are connected to until Redis answers.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
