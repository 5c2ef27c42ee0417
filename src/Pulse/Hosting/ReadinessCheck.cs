using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulse.Platform.Cluster;
using Pulse.Platform.Storage;

namespace Pulse.Hosting;

/// <summary>
/// Ready when the metadata store (SQLite, or PostgreSQL in cluster mode) answers and has every
/// migration applied. In cluster mode Redis is checked too: without it the node still stores and
/// acknowledges events (deduplication is in PostgreSQL), but rate limits count per node and cache
/// changes wait for expiry, so the node reports Degraded (still 200, so a load balancer keeps it).
/// </summary>
internal sealed class ReadinessCheck(Database database, RedisConnection? redis = null) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await database.CanConnectAsync(ct))
                return HealthCheckResult.Unhealthy("The metadata store cannot be reached.");
            var pending = await database.PendingMigrationsAsync(ct);
            if (pending.Count > 0)
                return HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The metadata store failed: " + e.Message);
        }
        if (redis is null)
            return HealthCheckResult.Healthy("Storage reachable, schema up to date.");
        try
        {
            var latency = await redis.Database.PingAsync();
            return HealthCheckResult.Healthy($"PostgreSQL reachable, schema up to date; Redis answers in {latency.TotalMilliseconds:0.#} ms.");
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or TimeoutException)
        {
            return HealthCheckResult.Degraded("PostgreSQL reachable, schema up to date; Redis cannot be reached (rate limits count per node until it is back): " + e.Message);
        }
    }
}
