using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Pulse.Collect.Log;

/// <summary>
/// Embedded mode's retention: every <see cref="CollectOptions.MaintenanceSeconds"/>, deletes the
/// events received before the first day kept by <see cref="CollectOptions.RetentionDays"/> (the same
/// whole UTC days the cluster drops as partitions); does nothing while it is 0.
/// </summary>
internal sealed partial class EmbeddedRetention(EventLog eventLog, IOptions<CollectOptions> options, TimeProvider time, ILogger<EmbeddedRetention> log) : BackgroundService
{
    private readonly CollectOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (_options.RetentionDays == 0)
            return;
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(_options.MaintenanceSeconds), time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(log, e);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Prunes what is past the retention now; null when everything is kept.</summary>
    internal async Task<PruneReport?> RunOnceAsync(CancellationToken ct) =>
        Retention.Cutoff(_options.RetentionDays, time.GetUtcNow()) is { } cutoff
            ? await eventLog.PruneAsync(cutoff, dryRun: false, null, ct)
            : null;

    [LoggerMessage(EventId = 2111, Level = LogLevel.Warning, Message = "Pruning the event log past Collect:RetentionDays failed; it is tried again next period.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
