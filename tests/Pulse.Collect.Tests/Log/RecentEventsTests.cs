using System.Diagnostics.Metrics;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Tests.Log;

/// <summary>Destinations read what just arrived from memory: the same events the store gives back later, never an erased one, and the store once memory moved on.</summary>
[Trait("Storage", "embedded")]
public sealed class RecentEventsTests
{
    private static readonly Guid Ws = Guid.Parse("01a21b35-0000-7000-8000-0000000000a1");
    private static readonly Guid Other = Guid.Parse("01a21b35-0000-7000-8000-0000000000a2");
    private static readonly Guid Web = Guid.Parse("01a21b35-0000-7000-8000-0000000000b1");
    private static readonly Guid App = Guid.Parse("01a21b35-0000-7000-8000-0000000000b2");

    private static LogRecord Record(string id, Guid ws, Guid source, string type, string? name, string? user, string anon, bool bot = false)
    {
        var now = new DateTime(2026, 11, 27, 10, 0, 0, DateTimeKind.Utc).AddTicks(1234567);
        return new LogRecord
        {
            WorkspaceId = ws,
            SourceId = source,
            MessageId = id,
            Type = type,
            Event = name,
            UserId = user,
            AnonymousId = anon,
            Timestamp = now,
            ReceivedAt = now.AddSeconds(1),
            Enrichment = new EventEnrichment { Fbclid = "IwAR-" + id, Ttclid = user is null ? null : "tt", Ip = "203.0.113.9", IsBot = bot, Browser = "Chrome" },
            Consent = """{"advertising":false}""",
            Raw = Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"messageId\":\"" + id + "\",\"event\":\"" + name + "\",\"properties\":{\"note\":\"zażółć \\u001f\"}}"),
        };
    }

    [Fact]
    public async Task NewEvents_ReadFromMemory_MatchTheStore_AndErasedOnesAreGone()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-recent-test-").FullName;
        try
        {
            var options = Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB", RecentEventsMiB = 16 });
            using var store = new DuckDbEventStore(new DataDirectory(dir), options);
            await using var meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
            var log = new EmbeddedEventLog(store, options, new CollectMetrics(meters.GetRequiredService<IMeterFactory>()), TimeProvider.System, NullLogger<EventLog>.Instance);
            await log.StartAsync(default);
            try
            {
                await log.AppendAsync([
                    Record("m-1", Ws, Web, "track", "Order Completed", "u-1", "a-1"),
                    Record("m-2", Ws, App, "track", "Order Completed", "u-2", "a-2"),
                    Record("m-3", Other, Web, "track", "Order Completed", "u-3", "a-3"),
                    Record("m-4", Ws, Web, "page", null, null, "a-1", bot: true),
                    Record("m-5", Ws, Web, "track", "Product Viewed", "u-2", "a-2"),
                ], default);

                // At once, whether or not the loader got to them: the workspace's events from its web source, in order.
                var (all, head) = await log.ReadSelectedAsync(Ws, [Web], null, 0, null, 100, default);
                Assert.Equal(["m-1", "m-4", "m-5"], all.Select(e => e.MessageId));
                Assert.Equal(5, head);
                var (named, _) = await log.ReadSelectedAsync(Ws, [Web, App], ["Order Completed", "page"], 0, null, 100, default);
                Assert.Equal(["m-1", "m-2", "m-4"], named.Select(e => e.MessageId));
                var (after, _) = await log.ReadSelectedAsync(Ws, [Web], null, all[0].Seq, null, 1, default);
                Assert.Empty(after); // one position read: m-2 is another source's

                // What the store holds once loaded is what memory gave, field by field.
                await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
                var stored = await log.ReadPositionsAsync(Ws, all.Select(e => e.Seq).ToList(), default);
                Assert.Equal(3, stored.Count);
                foreach (var (m, s) in all.Zip(stored))
                {
                    Assert.Equal((s.Seq, s.WorkspaceId, s.SourceId, s.MessageId, s.Type, s.Event, s.UserId, s.AnonymousId), (m.Seq, m.WorkspaceId, m.SourceId, m.MessageId, m.Type, m.Event, m.UserId, m.AnonymousId));
                    Assert.Equal((s.Timestamp, s.ReceivedAt, s.Consent, s.Raw), (m.Timestamp, m.ReceivedAt, m.Consent, m.Raw));
                    Assert.Equal((s.Enrichment.Fbclid, s.Enrichment.Ttclid, s.Enrichment.LiFatId, s.Enrichment.IsBot, s.Enrichment.Ip), (m.Enrichment.Fbclid, m.Enrichment.Ttclid, m.Enrichment.LiFatId, m.Enrichment.IsBot, m.Enrichment.Ip));
                }

                // An erased person's events are gone from memory too.
                await log.EraseAsync(Ws, ["u-2"], default);
                var (left, _) = await log.ReadSelectedAsync(Ws, [Web, App], null, 0, null, 100, default);
                Assert.Equal(["m-1", "m-4"], left.Select(e => e.MessageId));
            }
            finally
            {
                await log.StopAsync(default);
                log.Dispose();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void OldestEventsLeavePastTheBudget_AndAReadFromBeforeThemGoesToTheStore()
    {
        var recent = new RecentEvents(budgetBytes: 4000, slabBytes: 1000);
        recent.Reset(10);
        var frame = Enumerable.Range(11, 40).Select(i => Record("m-" + i, Ws, Web, "track", "Order Completed", "u-" + i, "a-" + i)).ToList();
        foreach (var r in frame)
        {
            r.Seq = long.Parse(r.MessageId[2..], System.Globalization.CultureInfo.InvariantCulture);
            r.Prepare();
        }
        recent.Add(frame);
        Assert.Equal(50, recent.To);
        Assert.True(recent.From > 10, "the oldest should have left a 4,000-byte budget");
        Assert.True(recent.From < 45, "only the oldest should have left");
        Assert.Null(recent.Read(Ws, [Web], null, 10, 100));
        var (events, head) = recent.Read(Ws, [Web], null, recent.From, 100)!.Value;
        Assert.Equal(50, head);
        Assert.Equal(Enumerable.Range((int)recent.From + 1, 50 - (int)recent.From).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal(events.Select(e => "m-" + e.Seq), events.Select(e => e.MessageId)); // the bytes of the slab reused are the new events'
        Assert.All(events, e => Assert.Contains("zażółć", e.Raw, StringComparison.Ordinal));
    }
    [Fact]
    public async Task TheProfileBuildersRead_GivesEveryFieldAsTheStoreDoes_AtMostAsManyAsAsked()
    {
        await WithLogAsync(16, async log =>
        {
            var records = Enumerable.Range(1, 5).Select(i => Record("m-" + i, i % 2 == 0 ? Other : Ws, Web, i == 3 ? "identify" : "track", i == 3 ? null : "Order Completed", "u-" + i, "a-" + i)).ToList();
            foreach (var r in records)
            {
                r.GroupId = "g-" + r.MessageId;
                r.PreviousId = r.Type == "identify" ? "old-" + r.MessageId : null;
                r.OriginalTimestamp = r.Timestamp.AddMinutes(-1);
                r.SentAt = r.Timestamp.AddSeconds(-2);
                r.Violations = """[{"type":"unplanned"}]""";
                r.PlanVersion = "7";
                r.Enrichment = r.Enrichment with
                {
                    UtmSource = "tiktok", UtmMedium = "influencer", UtmCampaign = "bf", UtmTerm = "buty", UtmContent = "anna", Gclid = "g1", Msclkid = "ms1", LiFatId = "li",
                    ReferrerDomain = "tiktok.com", ReferrerType = "social", ReferrerName = "TikTok", PageHost = "shop.example", PagePath = "/p/1",
                    BrowserVersion = "120.0", Os = "Android", OsVersion = "14", DeviceType = "mobile", BotName = null, Country = "PL",
                };
            }
            await log.AppendAsync(records, default);

            var (first, _, firstHead) = await log.ReadPartitionsAsync(0, 2, [0], 1, default);
            Assert.Equal(["m-1", "m-2"], first.Select(e => e.MessageId));
            Assert.Equal(first[^1].Seq, firstHead); // as many as asked for: the answer covers up to the last
            var (rest, _, head) = await log.ReadPartitionsAsync(firstHead, 100, [0], 1, default);
            Assert.Equal(["m-3", "m-4", "m-5"], rest.Select(e => e.MessageId));
            Assert.Equal(log.Head, head);

            await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
            var stored = await log.ReadAsync(0, 100, default);
            Assert.Equal(stored, first.Concat(rest)); // whole records: every field, the enrichment's too
        });
    }

    [Fact]
    public void ReadAll_GivesEveryWorkspacesEvents_AndNullFromBeforeWhatIsKept()
    {
        var recent = new RecentEvents(budgetBytes: 4000, slabBytes: 1000);
        recent.Reset(10);
        var frame = Enumerable.Range(11, 40).Select(i => Record("m-" + i, i % 2 == 0 ? Ws : Other, i % 3 == 0 ? Web : App, "track", "Order Completed", "u-" + i, "a-" + i)).ToList();
        foreach (var r in frame)
        {
            r.Seq = long.Parse(r.MessageId[2..], System.Globalization.CultureInfo.InvariantCulture);
            r.Prepare();
        }
        recent.Add(frame);
        Assert.Null(recent.ReadAll(10, 100));
        var (events, head) = recent.ReadAll(recent.From, 100)!.Value;
        Assert.Equal(50, head);
        Assert.Equal(Enumerable.Range((int)recent.From + 1, 50 - (int)recent.From).Select(i => (long)i), events.Select(e => e.Seq));
        var (three, threeHead) = recent.ReadAll(recent.From, 3)!.Value;
        Assert.Equal(events.Take(3), three);
        Assert.Equal(three[^1].Seq, threeHead);
    }

    [Fact]
    public async Task TheProfileBuildersRead_FromTheStore_TakesARangeOfPositions()
    {
        await WithLogAsync(0, async log =>
        {
            await log.AppendAsync(Enumerable.Range(1, 5).Select(i => Record("m-" + i, i % 2 == 0 ? Other : Ws, Web, "track", "Order Completed", "u-" + i, "a-" + i)).ToList(), default);
            await log.CaughtUpAsync(TimeSpan.FromSeconds(30), default);
            var (first, _, firstHead) = await log.ReadPartitionsAsync(0, 2, [0], 1, default);
            Assert.Equal(["m-1", "m-2"], first.Select(e => e.MessageId));
            Assert.Equal(2, firstHead);
            var (rest, _, head) = await log.ReadPartitionsAsync(firstHead, 100, [0], 1, default);
            Assert.Equal(["m-3", "m-4", "m-5"], rest.Select(e => e.MessageId));
            Assert.Equal(5, head);
            var (none, _, still) = await log.ReadPartitionsAsync(head, 100, [0], 1, default);
            Assert.Empty(none);
            Assert.Equal(5, still);
        });
    }

    /// <summary>Runs <paramref name="body"/> against a started embedded log on a fresh directory, keeping <paramref name="recentMiB"/> of recent events in memory.</summary>
    private static async Task WithLogAsync(int recentMiB, Func<EmbeddedEventLog, Task> body)
    {
        var dir = Directory.CreateTempSubdirectory("pulse-recent-test-").FullName;
        try
        {
            var options = Options.Create(new CollectOptions { DuckDbMemoryLimit = "256MB", RecentEventsMiB = recentMiB });
            using var store = new DuckDbEventStore(new DataDirectory(dir), options);
            var log = TestLogs.Create(store, options, TimeProvider.System);
            await log.StartAsync(default);
            try
            {
                await body(log);
            }
            finally
            {
                await log.StopAsync(default);
                log.Dispose();
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
