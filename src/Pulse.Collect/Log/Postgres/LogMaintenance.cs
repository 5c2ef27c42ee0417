using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using Pulse.Platform.Cluster;

namespace Pulse.Collect.Log;

/// <summary>
/// The cluster log's housekeeping, a singleton job (one node at a time, once per
/// <see cref="CollectOptions.MaintenanceSeconds"/>): creates the partitions of the next days,
/// drops those past <see cref="CollectOptions.RetentionDays"/>, and removes message ids older than
/// the deduplication window.
/// </summary>
internal sealed partial class LogMaintenance(
    PostgresEventStore store, ISingletonJobs jobs, IOptions<CollectOptions> options, TimeProvider time, ILogger<LogMaintenance> log) : BackgroundService
{
    public const string JobName = "collect.log-maintenance";
    private const int DaysAhead = 3;
    private const int PurgeChunk = 50_000;
    private readonly CollectOptions _options = options.Value;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var every = TimeSpan.FromSeconds(_options.MaintenanceSeconds);
        // Ticks more often than the period, so the node that ticks first after it runs the job.
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(Math.Max(1, _options.MaintenanceSeconds / 4.0)), time);
        try
        {
            do
            {
                try
                {
                    await jobs.RunIfDueAsync(JobName, every * 0.9, RunOnceAsync, stoppingToken);
                }
                catch (Exception e) when (e is NpgsqlException or TimeoutException or InvalidOperationException)
                {
                    LogFailed(log, e);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    internal async Task RunOnceAsync(CancellationToken ct)
    {
        var today = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime);
        await using var c = await store.Source.OpenConnectionAsync(ct);
        LogPartitions.Ensure(c, Enumerable.Range(0, DaysAhead + 1).Select(today.AddDays));
        var dropped = _options.RetentionDays > 0 ? LogPartitions.DropBefore(c, today.AddDays(-_options.RetentionDays + 1)) : [];
        long purged = 0;
        while (true)
        {
            await using var purge = new NpgsqlCommand("""
                DELETE FROM log_message_ids WHERE ctid IN (
                    SELECT ctid FROM log_message_ids WHERE received_at < $1 LIMIT $2)
                """, c);
            purge.Parameters.Add(new NpgsqlParameter<DateTime> { TypedValue = time.GetUtcNow().UtcDateTime.AddDays(-_options.DedupWindowDays) });
            purge.Parameters.Add(new NpgsqlParameter<int> { TypedValue = PurgeChunk });
            var n = await purge.ExecuteNonQueryAsync(ct);
            purged += n;
            if (n < PurgeChunk)
                break;
        }
        LogDone(log, DaysAhead, dropped.Count, dropped.Count > 0 ? dropped[0].ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) : "-", purged);
    }

    [LoggerMessage(EventId = 2012, Level = LogLevel.Information, Message = "Log maintenance: partitions ready {Days} days ahead; {Dropped} day(s) dropped (oldest {Oldest}); {Purged} message ids left the dedup window.")]
    private static partial void LogDone(ILogger logger, int days, int dropped, string oldest, long purged);

    [LoggerMessage(EventId = 2013, Level = LogLevel.Warning, Message = "Log maintenance could not run; it is tried again next period.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
