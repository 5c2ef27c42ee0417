using Microsoft.Extensions.Diagnostics.HealthChecks;
using Pulse.Platform.Storage;

namespace Pulse.Hosting;

/// <summary>Ready when the metadata store answers and has every migration applied.</summary>
internal sealed class ReadinessCheck(Database database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken ct = default)
    {
        try
        {
            if (!await database.CanConnectAsync(ct))
                return HealthCheckResult.Unhealthy("The metadata store cannot be reached.");
            var pending = await database.PendingMigrationsAsync(ct);
            return pending.Count == 0
                ? HealthCheckResult.Healthy("Storage reachable, schema up to date.")
                : HealthCheckResult.Unhealthy($"{pending.Count} migration(s) not applied: {string.Join(", ", pending)}");
        }
        catch (Exception e) when (e is System.Data.Common.DbException or InvalidOperationException or IOException or System.Net.Sockets.SocketException or TimeoutException)
        {
            return HealthCheckResult.Unhealthy("The metadata store failed: " + e.Message);
        }
    }
}
