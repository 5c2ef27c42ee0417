using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Sources;

namespace Pulse.Bench;

/// <summary>CPU per event of each step of the ingest path, on one thread, in this process.</summary>
internal static class Stages
{
    public static void Run(int batches)
    {
        var templates = IngestLoad.BuildBatches("wk_bench", 100);
        var enricher = new Enricher(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null));
        var source = new IngestSource(Guid.CreateVersion7(), Guid.CreateVersion7(), "Load", true, [], 32 * 1024, 512 * 1024, 0, IpMode.Truncate, new byte[32], ConsentDefault.Allow);
        var counter = 0L;
        var bodies = new byte[batches][];
        for (var i = 0; i < batches; i++)
        {
            var t = templates[i % templates.Length];
            var body = (byte[])t.Body.Clone();
            var unique = Encoding.ASCII.GetBytes((++counter).ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            foreach (var slot in t.Slots)
                unique.CopyTo(body, slot);
            bodies[i] = body;
        }
        for (var round = 0; round < 3; round++)
        {
            var parse = 0L; var build = 0L; var prepare = 0L; var events = 0L;
            var gc0 = GC.CollectionCount(0);
            var alloc0 = GC.GetAllocatedBytesForCurrentThread();
            foreach (var body in bodies)
            {
                var t0 = Stopwatch.GetTimestamp();
                IngestRequest.Parse(body, null, null, out var request);
                var t1 = Stopwatch.GetTimestamp();
                var facts = new RequestFacts(null, TimeProvider.System.GetUtcNow(), request!.BatchSentAt, request.BatchContext, null, null);
                var builder = new MessageBuilder(enricher);
                var records = new List<LogRecord>(request.Messages.Count);
                foreach (var (m, _) in request.Messages)
                    records.Add(builder.Build(m, facts, source, out _)!);
                var t2 = Stopwatch.GetTimestamp();
                foreach (var r in records)
                    r.Prepare();
                var t3 = Stopwatch.GetTimestamp();
                request.Dispose();
                parse += t1 - t0; build += t2 - t1; prepare += t3 - t2; events += records.Count;
            }
            double Us(long ticks) => Math.Round(ticks * 1e6 / Stopwatch.Frequency / events, 2);
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "ingest stages, µs of one thread per event", round, events, parse = Us(parse), build = Us(build), prepare = Us(prepare), total = Us(parse + build + prepare), gen0 = GC.CollectionCount(0) - gc0, allocatedBytesPerEvent = (GC.GetAllocatedBytesForCurrentThread() - alloc0) / events }));
        }
    }
}
internal static class StagesPageUrl
{
    public static void Run()
    {
        var urls = Enumerable.Range(0, 1000).Select(i => $"https://shop.example/p/{i}?utm_source=instagram&utm_medium=social&utm_campaign=black-friday&fbclid=IwAR{i * 7919:x8}").ToArray();
        var enricher = new Enricher(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null));
        var ua = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";
        for (var round = 0; round < 3; round++)
        {
            var t0 = Stopwatch.GetTimestamp();
            for (var k = 0; k < 1000; k++)
                foreach (var u in urls)
                    PageUrl.Parse(u);
            var t1 = Stopwatch.GetTimestamp();
            for (var k = 0; k < 1000; k++)
                foreach (var u in urls)
                    enricher.Enrich(new EnrichmentInput(u, "https://l.instagram.com/", ua, System.Net.IPAddress.Parse("83.1.2.3"), null, null, null, null, null), IpMode.Truncate, new byte[32]);
            var t2 = Stopwatch.GetTimestamp();
            Console.WriteLine($"PageUrl.Parse {(t1 - t0) * 1e6 / Stopwatch.Frequency / 1e6:F2} µs, Enrich {(t2 - t1) * 1e6 / Stopwatch.Frequency / 1e6:F2} µs");
        }
    }
}
internal static class StagesDuck
{
    public static void Run(int n)
    {
        var templates = IngestLoad.BuildBatches("wk_bench", 100);
        var enricher = new Enricher(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null));
        var source = new IngestSource(Guid.CreateVersion7(), Guid.CreateVersion7(), "Load", true, [], 32 * 1024, 512 * 1024, 0, IpMode.Truncate, new byte[32], ConsentDefault.Allow);
        var packed = new List<byte[]>(n);
        var counter = 0L;
        while (packed.Count < n)
        {
            var t = templates[packed.Count / 100 % templates.Length];
            var body = (byte[])t.Body.Clone();
            var unique = Encoding.ASCII.GetBytes((++counter).ToString("x16", System.Globalization.CultureInfo.InvariantCulture));
            foreach (var slot in t.Slots)
                unique.CopyTo(body, slot);
            IngestRequest.Parse(body, null, null, out var request);
            var facts = new RequestFacts(null, TimeProvider.System.GetUtcNow(), request!.BatchSentAt, request.BatchContext, null, null);
            var builder = new MessageBuilder(enricher);
            foreach (var (m, _) in request.Messages)
                packed.Add(builder.Build(m, facts, source, out _)!.Pack());
            request.Dispose();
        }
        Console.WriteLine($"avg packed bytes {packed.Average(p => p.Length):F0}");
        for (var round = 0; round < 2; round++)
        {
            foreach (var mode in (Environment.GetEnvironmentVariable("MODES") ?? "inbox+compact,direct,csv").Split(','))
            {
                var dir = Directory.CreateTempSubdirectory("pulse-duck-").FullName;
                using (var c = new DuckDB.NET.Data.DuckDBConnection($"Data Source={dir}/e.duckdb"))
                {
                    c.Open();
                    using (var cmd = c.CreateCommand())
                    {
                        cmd.CommandText = "SET threads = 2; SET memory_limit='512MB'";
                        cmd.ExecuteNonQuery();
                    }
                    var store = new DuckDbEventStore(new Pulse.Platform.Storage.DataDirectory(dir + "/x"), Microsoft.Extensions.Options.Options.Create(new Pulse.Collect.CollectOptions()));
                    // Same schema as the store.
                    store.EnsureOpen();
                    store.Dispose();
                }
                using (var c = new DuckDB.NET.Data.DuckDBConnection($"Data Source={dir}/x/events.duckdb"))
                {
                    c.Open();
                    if (Environment.GetEnvironmentVariable("DUCKSET") is { } set)
                        Exec(c, set);
                    Exec(c, "CREATE TABLE inbox (seq BIGINT NOT NULL, packed BLOB NOT NULL)");
                    var cpu0 = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime;
                    var sw = Stopwatch.StartNew();
                    long seq = 0;
                    if (mode == "csv")
                    {
                        foreach (var chunk in packed.Chunk(131_072))
                        {
                            var file = dir + "/chunk.csv";
                            using (var f = new FileStream(file, FileMode.Create))
                            {
                                foreach (var p in chunk)
                                {
                                    f.Write(Encoding.ASCII.GetBytes((++seq).ToString(System.Globalization.CultureInfo.InvariantCulture)));
                                    f.WriteByte(0x1f);
                                    f.Write(p);
                                    f.WriteByte((byte)'\n');
                                }
                            }
                            using var tx = c.BeginTransaction();
                            Exec(c, $$"""
                                INSERT INTO events SELECT c0, c1, c2, c3, c4, c5, c6, c7, c8, c9,
                                    make_timestamp(c10), make_timestamp(c11), make_timestamp(c12), make_timestamp(c13),
                                    c14, c15, c16, c17, c18, c19, c20, c21, c22, c23, c24, c25, c26, c27, c28, c29, c30, c31, c32, c33, coalesce(c34 = '1', false),
                                    c35, c36, c37, c38, c39, c40, c41
                                FROM read_csv('{{file}}', delim = '{{"\u001f"}}', quote = '', escape = '', header = false, auto_detect = false, null_padding = false, strict_mode = false, max_line_size = 10000000,
                                    columns = {'c0': 'BIGINT', 'c1': 'UUID', 'c2': 'UUID', 'c3': 'VARCHAR', 'c4': 'VARCHAR', 'c5': 'VARCHAR', 'c6': 'VARCHAR', 'c7': 'VARCHAR', 'c8': 'VARCHAR', 'c9': 'VARCHAR',
                                    'c10': 'BIGINT', 'c11': 'BIGINT', 'c12': 'BIGINT', 'c13': 'BIGINT',
                                    'c14': 'VARCHAR', 'c15': 'VARCHAR', 'c16': 'VARCHAR', 'c17': 'VARCHAR', 'c18': 'VARCHAR', 'c19': 'VARCHAR', 'c20': 'VARCHAR', 'c21': 'VARCHAR', 'c22': 'VARCHAR', 'c23': 'VARCHAR',
                                    'c24': 'VARCHAR', 'c25': 'VARCHAR', 'c26': 'VARCHAR', 'c27': 'VARCHAR', 'c28': 'VARCHAR', 'c29': 'VARCHAR', 'c30': 'VARCHAR', 'c31': 'VARCHAR', 'c32': 'VARCHAR', 'c33': 'VARCHAR',
                                    'c34': 'VARCHAR', 'c35': 'VARCHAR', 'c36': 'VARCHAR', 'c37': 'VARCHAR', 'c38': 'VARCHAR', 'c39': 'VARCHAR', 'c40': 'VARCHAR', 'c41': 'VARCHAR'})
                                """);
                            tx.Commit();
                        }
                    }
                    else
                    foreach (var chunk in packed.Chunk(131_072))
                    {
                        using var tx = c.BeginTransaction();
                        if (mode == "direct")
                        {
                            using var app = c.CreateAppender("events");
                            foreach (var p in chunk)
                                DuckDbEventStore.AppendPacked(app, ++seq, p);
                        }
                        else if (mode == "noraw")
                        {
                            using var app = c.CreateAppender("events");
                            foreach (var p in chunk)
                            {
                                var cut = 0;
                                for (var k = 0; k < 40; k++)
                                    cut += p.AsSpan(cut).IndexOf((byte)0x1f) + 1;
                                var q = new byte[cut + 2];
                                p.AsSpan(0, cut).CopyTo(q);
                                q[cut] = (byte)'{'; q[cut + 1] = (byte)'}';
                                DuckDbEventStore.AppendPacked(app, ++seq, q);
                            }
                        }
                        else if (mode == "nulls")
                        {
                            using var app = c.CreateAppender("events");
                            var ws = Guid.NewGuid();
                            foreach (var p in chunk)
                            {
                                var row = app.CreateRow().AppendValue(++seq).AppendValue(ws).AppendValue(ws).AppendValue("m" + seq).AppendValue("track");
                                for (var k = 0; k < 5; k++) row.AppendNullValue();
                                row.AppendValue(DateTime.UnixEpoch).AppendNullValue().AppendNullValue().AppendValue(DateTime.UnixEpoch);
                                for (var k = 0; k < 20; k++) row.AppendNullValue();
                                row.AppendValue(false);
                                for (var k = 0; k < 6; k++) row.AppendNullValue();
                                row.AppendValue("{}").EndRow();
                            }
                        }
                        else
                        {
                            using (var app = c.CreateAppender("inbox"))
                            {
                                foreach (var p in chunk)
                                    app.CreateRow().AppendValue(++seq).AppendValue(p).EndRow();
                            }
                        }
                        tx.Commit();
                    }
                    var loadCpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                    if (mode == "inbox+compact")
                    {
                        using var tx = c.BeginTransaction();
                        Exec(c, DuckDbEventStore.InboxToEvents + "; DELETE FROM inbox;");
                        tx.Commit();
                    }
                    var cpu = System.Diagnostics.Process.GetCurrentProcess().TotalProcessorTime - cpu0;
                    Console.WriteLine($"{mode}: {n / sw.Elapsed.TotalSeconds:F0} rows/s wall, load cpu {loadCpu.TotalMilliseconds * 1000 / n:F2} µs/row, total cpu {cpu.TotalMilliseconds * 1000 / n:F2} µs/row");
                }
                Directory.Delete(dir, true);
            }
        }
    }

    private static void Exec(DuckDB.NET.Data.DuckDBConnection c, string sql)
    {
        using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }
}
