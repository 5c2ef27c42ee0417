using Microsoft.Extensions.Hosting;

namespace Pulse.Platform.Cluster;

/// <summary>Subscribes this server to the other nodes' cache announcements, retrying while Redis is away.</summary>
internal sealed class RedisListener(RedisCacheSignals signals) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested && !signals.Listen())
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(2), stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
