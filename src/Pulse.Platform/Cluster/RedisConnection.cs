using StackExchange.Redis;

namespace Pulse.Platform.Cluster;

/// <summary>
/// This process's connection to the cluster's Redis. It is made lazily and reconnects by itself;
/// commands fail at once while Redis is away (no backlog), so callers can fall back instead of
/// waiting. Nothing Pulse keeps in Redis is needed to acknowledge or keep an event.
/// </summary>
public sealed class RedisConnection(string configuration, string clientName) : IDisposable
{
    private readonly Lazy<ConnectionMultiplexer> _connection = new(() =>
    {
        var options = ConfigurationOptions.Parse(configuration);
        options.AbortOnConnectFail = false;
        options.BacklogPolicy = BacklogPolicy.FailFast;
        options.ConnectTimeout = Math.Min(options.ConnectTimeout, 2000);
        options.SyncTimeout = Math.Min(options.SyncTimeout, 1000);
        options.AsyncTimeout = Math.Min(options.AsyncTimeout, 1000);
        options.ClientName ??= clientName;
        return ConnectionMultiplexer.Connect(options);
    }, LazyThreadSafetyMode.ExecutionAndPublication);

    public IConnectionMultiplexer Multiplexer => _connection.Value;

    public IDatabase Database => _connection.Value.GetDatabase();

    public ISubscriber Subscriber => _connection.Value.GetSubscriber();

    public bool IsConnected => _connection.IsValueCreated && _connection.Value.IsConnected;

    public void Dispose()
    {
        if (_connection.IsValueCreated)
            _connection.Value.Dispose();
    }
}
