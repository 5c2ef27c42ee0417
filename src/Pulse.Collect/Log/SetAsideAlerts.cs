using System.Globalization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Pulse.Platform.Alerts;

namespace Pulse.Collect.Log;

/// <summary>
/// Keeps one <c>collect.set-aside</c> alert open per workspace while the log holds events of it
/// that the store refused (<see cref="EventLog.ListSetAside"/>), with their number, and clears it
/// once none is left (replayed). Checks at start and whenever an event is set aside or replayed.
/// </summary>
internal sealed partial class SetAsideAlerts(EventLog eventLog, IServiceScopeFactory scopes, ILogger<SetAsideAlerts> log) : BackgroundService
{
    public const string Kind = "collect.set-aside";
    public const string Key = "log:set-aside";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before the check, so a change during it is not missed.
                var changed = eventLog.SetAsideChangedAsync(stoppingToken);
                try
                {
                    await RunOnceAsync(stoppingToken);
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    LogFailed(log, e);
                }
                await changed;
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Raises or updates the alert of every workspace with set-aside events and clears the others'; returns how many are open.</summary>
    internal async Task<int> RunOnceAsync(CancellationToken ct)
    {
        var counts = eventLog.CountSetAside();
        await using var scope = scopes.CreateAsyncScope();
        var alerts = scope.ServiceProvider.GetRequiredService<IAlerts>();
        foreach (var (workspace, count) in counts)
        {
            var title = string.Create(CultureInfo.InvariantCulture, $"{count} event(s) could not be stored and were set aside");
            await alerts.RaiseAsync(new AlertRaise(workspace, Kind, Key, AlertSeverity.Critical, title,
                "The event store refused these acknowledged events again and again, so they were set aside and the events after them were stored. "
                + "See GET /api/v1/events/set-aside for each one's error; once the cause is fixed, POST /api/v1/events/set-aside/replay stores them.",
                new Dictionary<string, double> { ["count"] = count }), ct);
        }
        foreach (var (workspace, key) in await alerts.OpenKeysAsync(Kind, ct))
        {
            if (!counts.ContainsKey(workspace))
                await alerts.ClearAsync(workspace, key, ct);
        }
        return counts.Count;
    }

    [LoggerMessage(EventId = 2103, Level = LogLevel.Error, Message = "Raising or clearing the alerts of set-aside events failed; tried again at the next change.")]
    private static partial void LogFailed(ILogger logger, Exception e);
}
