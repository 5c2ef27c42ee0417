using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pulse.Collect.Demo;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Events;
using Pulse.Collect.Log;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Tests.Log;

[Trait("Storage", "embedded")]
public sealed class DemoEventsTests
{
    private static readonly DateTimeOffset Today = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task SameSeed_GivesTheSameEvents_WithAFunnelAndEveryChannel()
    {
        var first = await GenerateAsync(seed: 7);
        var second = await GenerateAsync(seed: 7);
        var other = await GenerateAsync(seed: 8);
        Assert.Equal(first, second);
        Assert.NotEqual(first, other);

        var lines = first.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length > 4000, $"only {lines.Length} events for 10 sessions a day");
        int Count(string what) => lines.Count(l => l.Contains(what, StringComparison.Ordinal));
        Assert.True(Count("\"Product Viewed\"") > Count("\"Product Added\""));
        Assert.True(Count("\"Product Added\"") > Count("\"Order Completed\""));
        Assert.True(Count("\"Order Completed\"") > 0);
        foreach (var channel in (string[])["\"referrerType\":\"social\"", "\"referrerType\":\"search\"", "\"referrerType\":\"email\"", "\"utmMedium\":\"influencer\"", "\"fbclid\":\"IwAR", "\"isBot\":true"])
            Assert.True(Count(channel) > 0, channel + " missing");
    }

    /// <summary>The demo traffic of a tiny shop (10 visits a day), exported as JSON lines.</summary>
    private static async Task<string> GenerateAsync(int seed)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-demo-test-").FullName;
        try
        {
            var options = Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB" });
            using var store = new DuckDbEventStore(new DataDirectory(dir), options);
            await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var log = new EmbeddedEventLog(store, options, new CollectMetrics(meters.GetRequiredService<IMeterFactory>()), TimeProvider.System, NullLogger<EventLog>.Instance);
            await using var services = new ServiceCollection()
                .AddSingleton<EventLog>(log)
                .AddSingleton(new Enricher(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null)))
                .BuildServiceProvider();
            var ws = Guid.Parse("01a21b35-0000-7000-8000-000000000001");
            await DemoEvents.SeedAsync(services, ws, Guid.Parse("01a21b35-0000-7000-8000-000000000002"), Guid.Parse("01a21b35-0000-7000-8000-000000000003"),
                seed, Today, sessionsPerDay: 10, null, default);
            using var output = new MemoryStream();
            await new EventExporter(store, null).ExportAsync(new EventFilter(ws), ExportFormat.Jsonl, output, null, default);
            return System.Text.Encoding.UTF8.GetString(output.ToArray());
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
