using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Pulse.Platform.Alerts;

/// <summary>
/// The queue between whoever raises or clears an alert and <see cref="AlertDelivery"/>: enqueueing
/// never waits, so a watcher is never held up by a slow webhook. When full, the notice is dropped
/// and logged (the alert itself is stored and shown in the panel).
/// </summary>
internal sealed partial class AlertNotifier(ILogger<AlertNotifier> log)
{
    public const string Raised = "alert.raised";
    public const string Resolved = "alert.resolved";

    private readonly Channel<AlertNotice> _queue = Channel.CreateBounded<AlertNotice>(new BoundedChannelOptions(10_000)
    {
        SingleReader = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public ChannelReader<AlertNotice> Reader => _queue.Reader;

    public void Enqueue(Guid alertId, string type)
    {
        if (!_queue.Writer.TryWrite(new AlertNotice(alertId, type)))
            LogDropped(log, alertId, type);
    }

    [LoggerMessage(EventId = 1400, Level = LogLevel.Warning, Message = "Alert webhook queue is full; {Type} of alert {AlertId} is not delivered")]
    private static partial void LogDropped(ILogger logger, Guid alertId, string type);
}

internal sealed record AlertNotice(Guid AlertId, string Type);
