using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;

namespace Pulse.Collect.Tests.Log;

/// <summary>Records and embedded logs for the tests that drive the log directly, without a server.</summary>
internal static class TestLogs
{
    private static readonly ServiceProvider Meters = new ServiceCollection().AddMetrics().BuildServiceProvider();

    /// <summary>An "Order Completed" of user <c>u-{id}</c>, received at <paramref name="receivedAt"/>.</summary>
    public static LogRecord Order(Guid workspace, Guid source, string id, DateTime receivedAt) => new()
    {
        WorkspaceId = workspace,
        SourceId = source,
        MessageId = id,
        Type = "track",
        Event = "Order Completed",
        UserId = "u-" + id,
        Timestamp = receivedAt,
        ReceivedAt = receivedAt,
        Enrichment = new EventEnrichment(),
        Raw = Encoding.UTF8.GetBytes("{\"type\":\"track\",\"messageId\":\"" + id + "\"}"),
    };

    /// <summary>An embedded log over <paramref name="store"/> (not started).</summary>
    public static EmbeddedEventLog Create(DuckDbEventStore store, IOptions<CollectOptions> options, TimeProvider time, ILogger<EventLog>? logger = null) =>
        new(store, options, new CollectMetrics(Meters.GetRequiredService<IMeterFactory>()), time, logger ?? NullLogger<EventLog>.Instance);
}
