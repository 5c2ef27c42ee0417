using DuckDB.NET.Data;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Platform.Storage;

namespace Pulse.Collect.Tests.Log;

[Trait("Storage", "embedded")]
public sealed class EventStoreTests
{
    private static LogRecord Record(string messageId) => new()
    {
        WorkspaceId = Guid.Parse("0193a5c0-0000-7000-8000-00000000000a"),
        SourceId = Guid.Parse("0193a5c0-0000-7000-8000-00000000000b"),
        MessageId = messageId,
        Type = "track",
        Event = "Order Completed",
        UserId = "u1",
        Timestamp = new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc),
        ReceivedAt = new DateTime(2026, 11, 27, 8, 0, 1, DateTimeKind.Utc),
        Enrichment = new EventEnrichment { UtmSource = "tiktok", IsBot = true, PageHost = "shop.example" },
        Raw = """{"type":"track","event":"Order Completed"}"""u8.ToArray(),
    };

    [Fact]
    public void OpeningADataDirectoryOfTheOldLayout_MovesInboxRowsIntoEvents_AndDropsTheInbox()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-store-").FullName;
        using (var old = new DuckDBConnection($"Data Source={Path.Combine(dir, DuckDbEventStore.FileName)}"))
        {
            old.Open();
            using var cmd = old.CreateCommand();
            cmd.CommandText = "CREATE TABLE inbox (seq BIGINT NOT NULL, packed BLOB NOT NULL); INSERT INTO inbox VALUES (7, $p)";
            cmd.Parameters.Add(new DuckDBParameter("p", Record("m-old").Pack()));
            cmd.ExecuteNonQuery();
        }

        using var store = new DuckDbEventStore(new DataDirectory(dir), Options.Create(new CollectOptions()));
        using var c = store.Open();
        using var read = c.CreateCommand();
        read.CommandText = "SELECT seq, message_id, event, utm_source, is_bot, page_host, raw, (SELECT count(*) FROM duckdb_tables() WHERE table_name = 'inbox') FROM all_events";
        using var r = read.ExecuteReader();
        Assert.True(r.Read());
        Assert.Equal(7L, r.GetInt64(0));
        Assert.Equal("m-old", r.GetString(1));
        Assert.Equal("Order Completed", r.GetString(2));
        Assert.Equal("tiktok", r.GetString(3));
        Assert.True(r.GetBoolean(4));
        Assert.Equal("shop.example", r.GetString(5));
        Assert.Equal("""{"type":"track","event":"Order Completed"}""", r.GetString(6));
        Assert.Equal(0L, r.GetInt64(7));
        Assert.False(r.Read());
    }

    [Theory]
    [InlineData(3, 3L)]
    [InlineData(null, -1L)]
    public void TheStore_GivesDuckDbTheConfiguredThreads_OrHalfTheCores(int? configured, long expected)
    {
        if (expected < 0)
            expected = Math.Max(1, Environment.ProcessorCount / 2);
        var dir = Directory.CreateTempSubdirectory("pulse-store-").FullName;
        using var store = new DuckDbEventStore(new DataDirectory(dir), Options.Create(new CollectOptions { DuckDbThreads = configured }));
        using var c = store.Open();
        using var read = c.CreateCommand();
        read.CommandText = "SELECT current_setting('threads')";
        Assert.Equal(expected, Convert.ToInt64(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("300")]
    [InlineData("two")]
    public void AThreadCountOutOfRange_StopsTheServerFromStarting_NamingTheSetting(string value)
    {
        var config = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Collect:DuckDbThreads"] = value }).Build();
        var services = new ServiceCollection();
        services.AddOptions<CollectOptions>().Bind(config.GetSection(CollectOptions.Section)).ValidateDataAnnotations();
        using var sp = services.BuildServiceProvider();
        var e = Assert.ThrowsAny<Exception>(() => sp.GetRequiredService<IOptions<CollectOptions>>().Value);
        Assert.Contains("DuckDbThreads", e.Message, StringComparison.Ordinal);
    }
}
