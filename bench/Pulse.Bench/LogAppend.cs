using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using System.Text.Json;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pulse.Collect;
using Pulse.Collect.Log;
using Pulse.Platform.Storage;

namespace Pulse.Bench;

/// <summary>The event log alone: records already built, appended in commits of a given size, in this process.</summary>
internal static class LogAppend
{
    public static async Task RunAsync(int total, int perCommit)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-bench-log-").FullName;
        try
        {
            var options = Options.Create(new CollectOptions { CheckpointThreshold = Environment.GetEnvironmentVariable("CKPT") ?? "256MB" });
            using var store = new DuckDbEventStore(new DataDirectory(dir), options);
            using var services = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var meters = Microsoft.Extensions.DependencyInjection.ServiceProviderServiceExtensions.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>(services);
            var log = new Pulse.Collect.Log.EmbeddedEventLog(store, options, new CollectMetrics(meters), TimeProvider.System, NullLogger<Pulse.Collect.Log.EventLog>.Instance);
            await log.StartAsync(default);
            var raw = System.Text.Encoding.UTF8.GetBytes(new string('x', Environment.GetEnvironmentVariable("RAWLEN") is { } rl ? int.Parse(rl, System.Globalization.CultureInfo.InvariantCulture) : 900));
            var source = Guid.CreateVersion7();
            var ws = Guid.CreateVersion7();
            var sw = Stopwatch.StartNew();
            var appendTime = TimeSpan.Zero;
            for (var done = 0; done < total; done += perCommit)
            {
                var batch = new List<LogRecord>(perCommit);
                for (var i = 0; i < perCommit; i++)
                {
                    batch.Add(new LogRecord
                    {
                        WorkspaceId = ws, SourceId = source, MessageId = Guid.CreateVersion7().ToString(), Type = "track", Event = "Order Completed",
                        UserId = "user-" + i, AnonymousId = "anon-" + i, Timestamp = TimeProvider.System.GetUtcNow().UtcDateTime, ReceivedAt = TimeProvider.System.GetUtcNow().UtcDateTime,
                        Enrichment = new EventEnrichment { UtmSource = "instagram", UtmMedium = "social", UtmCampaign = "bf", PageHost = "shop.example", PagePath = "/p/1", Browser = "Chrome", Os = "Android", DeviceType = "mobile", ReferrerType = "social", Ip = "83.1.2.0" },
                        Raw = raw,
                    });
                }
                foreach (var r in batch)
                    r.Prepare();
                var t0 = Stopwatch.GetTimestamp();
                await log.AppendAsync(batch, default);
                appendTime += Stopwatch.GetElapsedTime(t0);
            }
            sw.Stop();
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "event log append (records prebuilt)", total, perCommit, eventsPerSecond = Math.Round(total / sw.Elapsed.TotalSeconds), appendOnlyEventsPerSecond = Math.Round(total / appendTime.TotalSeconds) }));
            await log.StopAsync(default);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
