using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Pulse.Collect.Log;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Tests.Log;

/// <summary>Collect:RetentionDays prunes the embedded log: exactly the old events go, the head and positions stay, duplicates are still caught.</summary>
[Trait("Storage", "embedded")]
public sealed class RetentionTests : IDisposable
{
    private static readonly Guid Ws = Guid.Parse("01a21b35-0000-7000-8000-0000000000d1");
    private static readonly Guid Web = Guid.Parse("01a21b35-0000-7000-8000-0000000000d2");
    private static readonly Guid App = Guid.Parse("01a21b35-0000-7000-8000-0000000000d3");
    private readonly string _dir = Directory.CreateTempSubdirectory("pulse-retention-test-").FullName;
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly IOptions<CollectOptions> _options = Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB", RetentionDays = 2, DedupWindowDays = 7 });

    private static LogRecord Record(string id, Guid source, DateTime receivedAt) => TestLogs.Order(Ws, source, id, receivedAt);

    private static DateTime At(int day, int hour) => new(2026, 11, day, hour, 0, 0, DateTimeKind.Utc);

    private async Task<EmbeddedEventLog> StartAsync(DuckDbEventStore store)
    {
        var log = TestLogs.Create(store, _options, _time);
        await log.StartAsync(default);
        return log;
    }

    private DuckDbEventStore Store() => new(new DataDirectory(_dir), _options, _time);

    private static async Task StopAsync(EventLog log)
    {
        await log.StopAsync(default);
        log.Dispose();
    }

    [Fact]
    public async Task DryRun_ReportsPerSourceAndDay_AndChangesNothing_ThenPruneRemovesExactlyTheOldEvents_KeepingTheHead()
    {
        using (var store = Store())
        {
            var log = await StartAsync(store);
            try
            {
                // The newest sequence numbers are the oldest events, so pruning deletes the log's last rows.
                await log.AppendAsync([Record("keep-today", Web, At(27, 9)), Record("keep-first-day", App, At(26, 0))], default);
                await log.AppendAsync([Record("old-1", Web, At(24, 10)), Record("old-2", Web, At(24, 23)), Record("old-3", App, At(25, 23))], default);
                await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
                Assert.Equal(5, log.ReadableHead);
                await log.SaveCheckpointAsync("reader", 5, default);

                var cutoff = Retention.Cutoff(_options.Value.RetentionDays, _time.GetUtcNow())!.Value;
                Assert.Equal(At(26, 0), cutoff);
                var dry = await log.PruneAsync(cutoff, dryRun: true, null, default);
                Assert.Equal(3, dry.Events);
                Assert.Equal([new PruneDay(Web, new DateOnly(2026, 11, 24), 2), new PruneDay(App, new DateOnly(2026, 11, 25), 1)], dry.Days);
                Assert.Equal(At(26, 0), dry.OldestKept);
                Assert.Equal(5, (await log.ReadAsync(0, 100, default)).Count);

                var report = await new EmbeddedRetention(log, _options, _time, NullLogger<EmbeddedRetention>.Instance).RunOnceAsync(default);
                Assert.NotNull(report);
                Assert.Equal((3L, false), (report.Events, report.DryRun));
                Assert.Equal(["keep-today", "keep-first-day"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));
                Assert.Equal((5L, 5L), (log.Head, log.ReadableHead));
                Assert.Equal(5, await log.CheckpointAsync("reader", default));
                Assert.Equal(0, (await log.PruneAsync(cutoff, dryRun: true, null, default)).Events);

                // A client's retry of a pruned message inside the dedup window is still a duplicate.
                Assert.Equal(1, await log.AppendAsync([Record("old-3", App, At(27, 11))], default));
            }
            finally
            {
                await StopAsync(log);
            }
        }

        // After a restart: same head, numbers go on after it, the pruned ids are still known.
        using (var store = Store())
        {
            var log = await StartAsync(store);
            try
            {
                Assert.Equal(5, log.Head);
                Assert.Equal(1, await log.AppendAsync([Record("old-1", Web, At(27, 11))], default));
                Assert.Equal(0, await log.AppendAsync([Record("new", Web, At(27, 11))], default));
                await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
                Assert.Equal(["keep-today", "keep-first-day", "new"], (await log.ReadAsync(0, 100, default)).Select(e => e.MessageId));
                Assert.Equal(6, (await log.ReadAsync(5, 100, default))[0].Seq);
            }
            finally
            {
                await StopAsync(log);
            }
        }
    }

    [Fact]
    public async Task RetentionZero_KeepsEverything()
    {
        using var store = Store();
        var log = await StartAsync(store);
        try
        {
            await log.AppendAsync([Record("ancient", Web, At(1, 0))], default);
            var keepAll = Options.Create(new CollectOptions { RetentionDays = 0 });
            Assert.Null(await new EmbeddedRetention(log, keepAll, _time, NullLogger<EmbeddedRetention>.Instance).RunOnceAsync(default));
            await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
            Assert.Single(await log.ReadAsync(0, 100, default));
        }
        finally
        {
            await StopAsync(log);
        }
    }

    public void Dispose()
    {
        Directory.Delete(_dir, recursive: true);
    }
}
