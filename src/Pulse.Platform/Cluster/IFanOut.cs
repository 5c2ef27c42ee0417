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

public class LocalFanOut : IFanOut
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
/// has listeners of its own, and publishes there only while some other node is subscribed (Redis's
/// <c>PUBSUB NUMSUB</c>, asked at most once a second per channel), so an unwatched debugger costs
/// nothing. Each message carries the sending node's id, so a node does not deliver its own messages
/// twice. While Redis is away a node's listeners still see that node's messages.
/// </summary>
public sealed partial class RedisFanOut : LocalFanOut, IDisposable
{
    private const string Prefix = "pulse:fan:";
    private static readonly TimeSpan CountAge = TimeSpan.FromSeconds(1);
    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly ILogger<RedisFanOut> _log;
    private readonly Guid _node = Guid.NewGuid();
    private readonly ConcurrentDictionary<string, Remote> _remote = new(StringComparer.Ordinal);
    /// <summary>Channels with listeners here whose Redis subscription has not been made yet (Redis away).</summary>
    private readonly ConcurrentDictionary<string, byte> _pending = new(StringComparer.Ordinal);
    private readonly ITimer _retry;
    private int _warned;

    public RedisFanOut(RedisConnection redis, TimeProvider time, ILogger<RedisFanOut> log)
    {
        _redis = redis;
        _time = time;
        _log = log;
        _retry = time.CreateTimer(_ => RetryPending(), null, TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(2));
    }

    public override bool HasListeners(string channel)
    {
        if (HasLocalListeners(channel))
            return true;
        return OthersListen(channel);
    }

    public override void Publish(string channel, ReadOnlyMemory<byte> payload)
    {
        Deliver(channel, payload);
        if (!OthersListen(channel))
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
        _ = SubscribeRemoteAsync(channel);
    }

    protected override void LastListenerLeft(string channel)
    {
        _pending.TryRemove(channel, out _);
        _ = UnsubscribeRemoteAsync(channel);
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

    private void RetryPending()
    {
        foreach (var channel in _pending.Keys)
        {
            if (HasLocalListeners(channel))
                _ = SubscribeRemoteAsync(channel);
            else
                _pending.TryRemove(channel, out _);
        }
    }

    private void Received(string channel, RedisValue value)
    {
        ReadOnlyMemory<byte> message = (byte[])value!;
        if (message.Length < 16 || new Guid(message.Span[..16]) == _node)
            return;
        Deliver(channel, message[16..]);
    }

    /// <summary>Whether a node other than this one is subscribed; from a count at most a second old, refreshed in the background.</summary>
    private bool OthersListen(string channel)
    {
        var remote = _remote.GetOrAdd(channel, _ => new Remote());
        var now = _time.GetTimestamp();
        var checkedAt = Volatile.Read(ref remote.CheckedAt);
        if ((checkedAt == 0 || _time.GetElapsedTime(checkedAt, now) >= CountAge) && Interlocked.Exchange(ref remote.Checking, 1) == 0)
            _ = CountAsync(channel, remote);
        return Volatile.Read(ref remote.Others) > 0;
    }

    private async Task CountAsync(string channel, Remote remote)
    {
        try
        {
            // PUBSUB NUMSUB answers [channel, count].
            var answer = (RedisResult[])(await _redis.Database.ExecuteAsync("PUBSUB", "NUMSUB", Prefix + channel))!;
            var count = (long)answer[1];
            var self = HasLocalListeners(channel) && !_pending.ContainsKey(channel) ? 1 : 0;
            Volatile.Write(ref remote.Others, (int)Math.Max(0, count - self));
            Interlocked.Exchange(ref _warned, 0);
        }
        catch (Exception e) when (e is RedisException or TimeoutException or ObjectDisposedException)
        {
            Volatile.Write(ref remote.Others, 0);
            Warn(e);
        }
        finally
        {
            Volatile.Write(ref remote.CheckedAt, _time.GetTimestamp());
            Volatile.Write(ref remote.Checking, 0);
        }
    }

    private void Warn(Exception e)
    {
        if (Interlocked.Exchange(ref _warned, 1) == 0)
            LogFailed(_log, e);
    }

    public void Dispose() => _retry.Dispose();

    private sealed class Remote
    {
        /// <summary>When the count was last asked for; 0 before the first time.</summary>
        public long CheckedAt;
        public int Checking;
        public int Others;
    }

    [LoggerMessage(EventId = 163, Level = LogLevel.Warning, Message = "Live messages through Redis failed; watchers see only the events of the node they are connected to until Redis answers.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
