using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Pulse.Bench;

/// <summary>
/// Durable ingest from a separate process: this process is the load driver; <c>pulse serve</c> and
/// a bare Kestrel baseline that reads and discards the same bodies run as child processes. Each
/// sends realistic 100-event batches (unique message ids per request) in a closed loop for the
/// given time, then single-event <c>/v1/track</c> requests. One JSON line per measurement.
/// </summary>
internal static class IngestLoad
{
    private const int BatchSize = 100;
    private const int Templates = 64;

    /// <summary>Makes the body of request number <c>request</c>: a fresh realistic one, or a template with ids made unique.</summary>
    internal delegate byte[] BodySource(long request);

    public static async Task RunAsync(TimeSpan duration, int connections, bool templated, bool postgres)
    {
        var root = RepoRoot();
        var pulseDll = Path.Combine(root, "src/Pulse/bin/Release/net10.0/pulse.dll");
        if (!File.Exists(pulseDll))
            throw new FileNotFoundException("Build Pulse first (bench/run.sh does).", pulseDll);
        var data = Directory.CreateTempSubdirectory("pulse-bench-ingest-").FullName;
        // Apart from the data directory: the PostgreSQL server runs as its own user, which must reach its folder.
        var services = postgres ? Directory.CreateTempSubdirectory("pulse-bench-services-").FullName : "";
        var pgDir = Path.Combine(services, "pg");
        try
        {
            var env = new Dictionary<string, string> { ["PULSE_Storage__DataDirectory"] = data, ["PULSE_Logging__LogLevel__Default"] = "Warning" };
            if (postgres)
            {
                // Cluster mode, one node: a private PostgreSQL and Redis on loopback, as the cluster bench starts them.
                var (pgPort, redisPort) = (FreePort().ToString(CultureInfo.InvariantCulture), FreePort());
                await ClusterLoad.ScriptAsync(root, "pg.sh", "start", pgDir, pgPort);
                await ClusterLoad.ScriptAsync(root, "redis.sh", "start", Path.Combine(services, "redis"), redisPort.ToString(CultureInfo.InvariantCulture));
                if (Statements)
                {
                    // BENCH_PG_STATEMENTS=1: where PostgreSQL's time went, printed at the end (pg_stat_statements).
                    await File.AppendAllTextAsync(Path.Combine(pgDir, "postgresql.conf"), "shared_preload_libraries = 'pg_stat_statements'\n");
                    await ClusterLoad.ScriptAsync(root, "pg.sh", "restart", pgDir, pgPort);
                }
                env["PULSE_Storage__Mode"] = "postgres";
                env["PULSE_Storage__Postgres"] = $"Host=127.0.0.1;Port={pgPort};Username=pulse;Password=pulse;Database=pulse_bench_ingest";
                env["PULSE_Storage__Redis"] = $"127.0.0.1:{redisPort}";
                await RunToEndAsync(pulseDll, ["migrate"], env);
            }
            Console.Error.WriteLine($"ingest bench: {(postgres ? "cluster mode (PostgreSQL + Redis, one node)" : "embedded mode")}, {(templated ? "templated" : "realistic")} load");
            await RunToEndAsync(pulseDll, ["workspace", "add", "--name", "Bench"], env);
            var writeKey = (await RunToEndAsync(pulseDll, ["source", "create", "--workspace", "Bench", "--name", "Load"], env)).Trim();

            var pulsePort = FreePort();
            using var pulse = Start("dotnet", [pulseDll, "serve", "--urls", $"http://127.0.0.1:{pulsePort}"], env);
            var basePort = FreePort();
            using var baseline = Start("dotnet", [typeof(IngestLoad).Assembly.Location, "baseline-server", basePort.ToString(CultureInfo.InvariantCulture)], []);
            await WaitReadyAsync($"http://127.0.0.1:{pulsePort}/healthz");
            await WaitReadyAsync($"http://127.0.0.1:{basePort}/healthz");

            BodySource batches, singles;
            ShopTraffic? traffic = null;
            if (templated)
            {
                batches = Templated(BuildBatches(writeKey, BatchSize));
                singles = Templated(BuildBatches(writeKey, 1));
            }
            else
            {
                traffic = new ShopTraffic(writeKey, ShopTraffic.RankedCorpusAgents());
                batches = r => traffic.Batch(r, BatchSize);
                singles = traffic.Single;
            }
            var lagSamples = new List<object>();
            var metricsUrl = $"http://127.0.0.1:{pulsePort}/metrics";
            var results = new List<Result>
            {
                await MeasureAsync("bare Kestrel read-and-discard (baseline), 100-event batches", $"http://127.0.0.1:{basePort}/v1/batch", writeKey, batches, BatchSize, connections, duration, baseline),
            };
            traffic?.ResetDistinct();
            results.Add(await MeasureAsync("pulse /v1/batch durable, 100-event batches", $"http://127.0.0.1:{pulsePort}/v1/batch", writeKey, batches, BatchSize, connections, duration, pulse,
                async elapsed => lagSamples.Add(new { seconds = Math.Round(elapsed.TotalSeconds), lags = await LagsAsync(metricsUrl) })));
            var (people, agents) = traffic?.Distinct() ?? (0, 0);
            var catchUp = await CatchUpAsync(metricsUrl, results[1]);
            var sustained = await SustainedAsync($"http://127.0.0.1:{pulsePort}/v1/batch", writeKey, batches, metricsUrl, results[1].EventsPerSecond, duration, pulse, () => traffic?.Distinct().People);
            var singleSeconds = TimeSpan.FromSeconds(Math.Max(5, duration.TotalSeconds / 3));
            results.Add(await MeasureAsync("bare Kestrel read-and-discard (baseline), single events", $"http://127.0.0.1:{basePort}/v1/track", writeKey, singles, 1, connections, singleSeconds, baseline));
            results.Add(await MeasureAsync("pulse /v1/track durable, single events", $"http://127.0.0.1:{pulsePort}/v1/track", writeKey, singles, 1, connections, singleSeconds, pulse));

            baseline.Kill(entireProcessTree: true);
            var stored = await CountStoredAsync(pulseDll, env, pulse);
            if (postgres && Statements)
                await PrintStatementsAsync(env["PULSE_Storage__Postgres"]);
            for (var i = 0; i < results.Count; i++)
            {
                var baselineResult = results[i - i % 2];
                Console.WriteLine(JsonSerializer.Serialize(results[i] with { RatioToBaseline = Math.Round(results[i].EventsPerSecond / baselineResult.EventsPerSecond, 3) }));
            }
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "store and profile lag (events) during the batch phase", samples = lagSamples }));
            Console.WriteLine(JsonSerializer.Serialize(catchUp));
            foreach (var step in sustained)
                Console.WriteLine(JsonSerializer.Serialize(step));
            Console.WriteLine(JsonSerializer.Serialize(templated
                ? new { benchmark = "load", storage = postgres ? "postgres" : "embedded", mode = "templated", description = $"{Templates} bodies of {BatchSize} events (5 user agents, 200,000 people) repeated with fresh message ids", distinctPeopleInBatchPhase = 0, distinctUserAgentsInBatchPhase = 5, population = 0 }
                : new { benchmark = "load", storage = postgres ? "postgres" : "embedded", mode = "realistic", description = $"a fresh body per request: people from a population of {ShopTraffic.Population:N0}, uap-core's user agents by Zipf rank, a 5,000-item catalogue, a shop's event mix (see ShopTraffic)", distinctPeopleInBatchPhase = people, distinctUserAgentsInBatchPhase = agents, population = ShopTraffic.Population }));
            var acknowledged = results[1].Events + results[3].Events + results[1].WarmupEvents + results[3].WarmupEvents + SustainedEvents;
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "stored vs acknowledged", acknowledged, stored, lost = acknowledged - stored }));
        }
        finally
        {
            if (postgres)
            {
                await ClusterLoad.ScriptAsync(root, "pg.sh", "kill", pgDir);
                await ClusterLoad.ScriptAsync(root, "redis.sh", "stop", Path.Combine(services, "redis"));
                Directory.Delete(services, recursive: true);
            }
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>The baseline server: reads each body whole and answers Segment's success, nothing else.</summary>
    public static async Task ServeBaselineAsync(int port)
    {
        var builder = Microsoft.AspNetCore.Builder.WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 16 * 1024 * 1024);
        var app = builder.Build();
        var ok = "{\"success\":true,\"accepted\":0,\"duplicates\":0}"u8.ToArray();
        app.MapGet("/healthz", () => "ok");
        app.MapPost("/v1/{call}", async (Microsoft.AspNetCore.Http.HttpContext ctx) =>
        {
            var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(64 * 1024);
            while (await ctx.Request.Body.ReadAsync(buffer) > 0)
            {
            }
            System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
            ctx.Response.ContentType = "application/json";
            await ctx.Response.Body.WriteAsync(ok);
        });
        await app.RunAsync();
    }

    /// <summary>Bodies with a 16-character slot in every message id, filled per request so ids never repeat.</summary>
    internal sealed record Template(byte[] Body, int[] Slots);

    internal static Template[] BuildBatches(string writeKey, int size)
    {
        var rng = new Random(20261127);
        string[] agents =
        [
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1",
            "Mozilla/5.0 (Linux; Android 14; SM-S918B) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Mobile Safari/537.36",
            "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36",
            "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.3 Safari/605.1.15",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_3 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 320.0.0.34.109",
        ];
        string[] referrers = ["https://l.instagram.com/", "https://www.tiktok.com/", "https://www.google.com/", "https://www.facebook.com/", "", "https://mail.google.com/"];
        string[] sources = ["instagram", "tiktok", "google", "facebook", "newsletter", "creator_anna"];
        string[] events = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed", "Signed Up"];
        var templates = new Template[Templates];
        var mark = "MMMMMMMMMMMMMMMM";
        for (var t = 0; t < Templates; t++)
        {
            var sb = new StringBuilder();
            sb.Append("{\"writeKey\":\"").Append(writeKey).Append("\",\"sentAt\":\"").Append(TimeProvider.System.GetUtcNow().ToString("O", CultureInfo.InvariantCulture)).Append("\",\"batch\":[");
            for (var i = 0; i < size; i++)
            {
                if (i > 0)
                    sb.Append(',');
                var user = rng.Next(1, 200_000);
                var kind = rng.Next(10);
                var src = sources[rng.Next(sources.Length)];
                var url = $"https://shop.example/p/{rng.Next(1, 5000)}?utm_source={src}&utm_medium=social&utm_campaign=black-friday&fbclid=IwAR{rng.Next():x8}";
                var context = $"\"context\":{{\"ip\":\"83.{rng.Next(256)}.{rng.Next(256)}.{rng.Next(256)}\",\"userAgent\":\"{agents[rng.Next(agents.Length)]}\",\"page\":{{\"url\":\"{url}\",\"referrer\":\"{referrers[rng.Next(referrers.Length)]}\",\"path\":\"/p\",\"title\":\"Sneakers\"}},\"library\":{{\"name\":\"analytics.js\",\"version\":\"5.2.0\"}},\"locale\":\"pl-PL\"}}";
                var id = $"\"messageId\":\"{mark}-{i:D4}\",\"anonymousId\":\"anon-{user}\",\"timestamp\":\"{TimeProvider.System.GetUtcNow().AddSeconds(-rng.Next(60)):O}\"";
                if (kind < 2)
                    sb.Append($"{{\"type\":\"page\",{id},\"name\":\"Product\",\"properties\":{{\"url\":\"{url}\",\"title\":\"Sneakers\"}},{context}}}");
                else if (kind < 3)
                    sb.Append($"{{\"type\":\"identify\",{id},\"userId\":\"user-{user}\",\"traits\":{{\"email\":\"user{user}@example.com\",\"plan\":\"free\",\"firstName\":\"Anna\"}},{context}}}");
                else
                    sb.Append($"{{\"type\":\"track\",{id},\"userId\":\"user-{user}\",\"event\":\"{events[rng.Next(events.Length)]}\",\"properties\":{{\"product_id\":\"sku-{rng.Next(5000)}\",\"price\":{rng.Next(20, 900)}.99,\"currency\":\"PLN\",\"quantity\":{rng.Next(1, 4)}}},{context}}}");
            }
            sb.Append("]}");
            var text = size == 1 ? Single(sb.ToString()) : sb.ToString();
            var bytes = Encoding.UTF8.GetBytes(text);
            var slots = new List<int>();
            var m = Encoding.ASCII.GetBytes(mark);
            for (var at = bytes.AsSpan().IndexOf(m); at >= 0;)
            {
                slots.Add(at);
                var next = bytes.AsSpan(at + m.Length).IndexOf(m);
                at = next < 0 ? -1 : at + m.Length + next;
            }
            templates[t] = new Template(bytes, slots.ToArray());
        }
        return templates;
    }

    /// <summary>The templates in turn, each with its message ids made unique by the request number.</summary>
    internal static BodySource Templated(Template[] templates) => request =>
    {
        var template = templates[request % templates.Length];
        var body = (byte[])template.Body.Clone();
        var unique = Encoding.ASCII.GetBytes(request.ToString("x16", CultureInfo.InvariantCulture));
        foreach (var slot in template.Slots)
            unique.CopyTo(body, slot);
        return body;
    };

    /// <summary>A one-message batch as the single-call body (<c>/v1/track</c> takes the message itself).</summary>
    private static string Single(string batch)
    {
        using var doc = JsonDocument.Parse(batch);
        var message = doc.RootElement.GetProperty("batch")[0];
        var o = System.Text.Json.Nodes.JsonNode.Parse(message.GetRawText())!.AsObject();
        o["type"] = "track";
        o["event"] ??= "Product Viewed";
        o["userId"] ??= "user-1";
        o["writeKey"] = doc.RootElement.GetProperty("writeKey").GetString();
        return o.ToJsonString();
    }

    private static long _requestCounter;

    private static async Task<Result> MeasureAsync(string name, string url, string writeKey, BodySource templates, int eventsPerRequest,
        int connections, TimeSpan duration, Process server, Func<TimeSpan, Task>? every5s = null)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(30) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(writeKey + ":")));
        var warm = await WorkAsync(client, url, templates, connections, TimeSpan.FromSeconds(3));
        var peak = new long[1];
        using var rss = new Timer(_ => peak[0] = Math.Max(peak[0], Rss(server)), null, 0, 250);
        var sw = Stopwatch.StartNew();
        using var stop = new CancellationTokenSource();
        var sampling = every5s is null ? Task.CompletedTask : Task.Run(async () =>
        {
            using var tick = new PeriodicTimer(TimeSpan.FromSeconds(5));
            while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                await every5s(sw.Elapsed);
        });
        var run = await WorkAsync(client, url, templates, connections, duration);
        sw.Stop();
        await stop.CancelAsync();
        try
        {
            await sampling;
        }
        catch (OperationCanceledException)
        {
        }
        var all = run.Latencies.Order().ToArray();
        return new Result(name, connections, eventsPerRequest, all.Length, run.Errors, (long)all.Length * eventsPerRequest,
            Math.Round(all.Length / sw.Elapsed.TotalSeconds, 1), Math.Round(all.Length * (double)eventsPerRequest / sw.Elapsed.TotalSeconds, 0),
            Percentile(all, 0.50), Percentile(all, 0.99), Math.Max(peak[0], Rss(server)) / (1024 * 1024), 0, (long)warm.Latencies.Count * eventsPerRequest, Math.Round(sw.Elapsed.TotalSeconds, 1));
    }

    internal static Task<(List<double> Latencies, long Errors)> WorkAsync(HttpClient client, string url, Template[] templates, int connections, TimeSpan duration) =>
        WorkAsync(client, url, Templated(templates), connections, duration);

    internal static async Task<(List<double> Latencies, long Errors)> WorkAsync(HttpClient client, string url, BodySource bodies, int connections, TimeSpan duration)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var errors = 0L;
        var workers = Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
        {
            var mine = new List<double>(200_000);
            // Several servers (a cluster's nodes) are given as one string separated by spaces: workers take them in turn.
            var targets = url.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var target = targets[w % targets.Length];
            while (Stopwatch.GetTimestamp() < end)
            {
                var body = bodies(Interlocked.Increment(ref _requestCounter));
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var start = Stopwatch.GetTimestamp();
                try
                {
                    using var response = await client.PostAsync(target, content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode != HttpStatusCode.OK)
                    {
                        Interlocked.Increment(ref errors);
                        continue;
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                    continue;
                }
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            }
            return mine;
        })).ToArray();
        var lists = await Task.WhenAll(workers);
        return (lists.SelectMany(l => l).ToList(), errors);
    }

    private static bool Statements => Environment.GetEnvironmentVariable("BENCH_PG_STATEMENTS") == "1";

    /// <summary>The statements that took most of PostgreSQL's time in the run, one JSON line each.</summary>
    private static async Task PrintStatementsAsync(string postgres)
    {
        await using var c = new NpgsqlConnection(postgres);
        await c.OpenAsync();
        await using (var create = new NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", c))
            await create.ExecuteNonQueryAsync();
        await using var cmd = new NpgsqlCommand("""
            SELECT round(sum(total_exec_time)::numeric / 1000, 2), sum(calls), sum(rows), left(regexp_replace(query, '\s+', ' ', 'g'), 120)
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            GROUP BY 4 ORDER BY 1 DESC LIMIT 15
            """, c);
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
            Console.WriteLine(JsonSerializer.Serialize(new { benchmark = "postgres time by statement", seconds = r.GetDecimal(0), calls = r.GetDecimal(1), rows = r.GetDecimal(2), statement = r.GetString(3) }));
    }

    private static async Task<long> CountStoredAsync(string pulseDll, Dictionary<string, string> env, Process pulse)
    {
        // Stop the server cleanly, then count what the log holds with an offline export.
        pulse.Kill(entireProcessTree: false);
        await pulse.WaitForExitAsync();
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in (string[])[pulseDll, "events", "export", "--workspace", "Bench", "--format", "csv"])
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        long lines = 0;
        var stderr = p.StandardError.ReadToEndAsync();
        var buffer = new char[1 << 16];
        int n;
        while ((n = await p.StandardOutput.ReadAsync(buffer)) > 0)
            lines += buffer.AsSpan(0, n).Count('\n');
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException("export failed: " + await stderr);
        return lines - 1;
    }

    /// <summary>
    /// How far the store (DuckDB) and the profile builder were behind the acknowledged log when the
    /// batch phase ended, how long they took to catch up, and the rate with the store caught up.
    /// </summary>
    private static async Task<object> CatchUpAsync(string metricsUrl, Result phase)
    {
        var atEnd = await LagsAsync(metricsUrl);
        var sw = Stopwatch.StartNew();
        var storeSeconds = 0.0;
        var lags = atEnd;
        while (sw.Elapsed < TimeSpan.FromMinutes(15))
        {
            lags = await LagsAsync(metricsUrl);
            if (storeSeconds == 0 && lags.GetValueOrDefault("store") == 0)
                storeSeconds = sw.Elapsed.TotalSeconds;
            if (lags.Values.All(v => v == 0))
                break;
            await Task.Delay(500);
        }
        var allSeconds = sw.Elapsed.TotalSeconds;
        var total = phase.Events + phase.WarmupEvents;
        return new
        {
            benchmark = "store and profiles after the batch phase",
            storeLagAtEnd = atEnd.GetValueOrDefault("store"),
            profilesLagAtEnd = atEnd.GetValueOrDefault("profiles"),
            storeCatchUpSeconds = Math.Round(storeSeconds, 1),
            profilesCatchUpSeconds = Math.Round(allSeconds, 1),
            storedEventsPerSecondWithStoreCaughtUp = Math.Round(total / (phase.Seconds + 3 + storeSeconds)),
            profiledEventsPerSecondWithAllCaughtUp = Math.Round(total / (phase.Seconds + 3 + allSeconds)),
            lagsNow = lags,
        };
    }

    /// <summary>
    /// Open-loop ingest at fixed rates (by default a quarter, a half and three quarters of the burst's
    /// acknowledged rate; BENCH_SUSTAINED_RATES="10000,15000" names others in events/s), each for
    /// <paramref name="duration"/> after the store and profiles have caught up, with every consumer's
    /// lag sampled each second: a consumer keeps level with the rate when its lag at the end is within
    /// two seconds of events (it does not grow with time).
    /// </summary>
    /// <summary>Events the sustained steps had acknowledged (they count towards what must be stored).</summary>
    private static long SustainedEvents;

    private static async Task<List<object>> SustainedAsync(string url, string writeKey, BodySource bodies, string metricsUrl, double burstRate, TimeSpan duration, Process pulse, Func<int?> peopleSent)
    {
        var rates = Environment.GetEnvironmentVariable("BENCH_SUSTAINED_RATES") is { Length: > 0 } named
            ? named.Split(',').Select(r => double.Parse(r, CultureInfo.InvariantCulture)).ToArray()
            : [burstRate / 4, burstRate / 2, burstRate * 3 / 4];
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(30) };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(writeKey + ":")));
        var steps = new List<object>();
        foreach (var rate in rates)
        {
            var waited = Stopwatch.StartNew();
            while ((await LagsAsync(metricsUrl)).Values.Any(v => v > 0) && waited.Elapsed < TimeSpan.FromMinutes(10))
                await Task.Delay(500);
            // People the bodies named so far, all of them stored by now (the lags were 0): the profiles the builder starts the step with.
            var peopleBefore = peopleSent();
            var start = Stopwatch.GetTimestamp();
            var latencies = new System.Collections.Concurrent.ConcurrentBag<double>();
            var errors = 0L;
            var samples = new List<(double Seconds, Dictionary<string, long> Lags)>();
            using var stop = new CancellationTokenSource();
            var sampling = Task.Run(async () =>
            {
                using var tick = new PeriodicTimer(TimeSpan.FromSeconds(1));
                while (await tick.WaitForNextTickAsync(stop.Token).ConfigureAwait(false))
                    samples.Add((Stopwatch.GetElapsedTime(start).TotalSeconds, await LagsAsync(metricsUrl)));
            });
            await OpenLoopAsync(rate / BatchSize, duration, async () =>
            {
                var body = bodies(Interlocked.Increment(ref _requestCounter));
                var sent = Stopwatch.GetTimestamp();
                try
                {
                    using var content = new ByteArrayContent(body);
                    content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                    using var response = await client.PostAsync(url, content);
                    await response.Content.ReadAsByteArrayAsync();
                    if (response.StatusCode == HttpStatusCode.OK)
                        latencies.Add(Stopwatch.GetElapsedTime(sent).TotalMilliseconds);
                    else
                        Interlocked.Increment(ref errors);
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref errors);
                }
            });
            var seconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var last = await LagsAsync(metricsUrl);
            await stop.CancelAsync();
            try
            {
                await sampling;
            }
            catch (OperationCanceledException)
            {
            }
            var sorted = latencies.Order().ToArray();
            var achieved = sorted.Length * (double)BatchSize / seconds;
            // Level: the lag over the second half of the step grows by less than a second of events (a
            // consumer that commits in batches is always up to a batch or two behind, but no further).
            long Middle(string consumer) => samples.Count == 0 ? 0 : samples[samples.Count / 2].Lags.GetValueOrDefault(consumer);
            object Of(string consumer) => new
            {
                maxLag = samples.Count == 0 ? 0 : samples.Max(x => x.Lags.GetValueOrDefault(consumer)),
                lagAtMiddle = Middle(consumer),
                lagAtEnd = last.GetValueOrDefault(consumer),
                keepsLevel = last.GetValueOrDefault(consumer) - Middle(consumer) < achieved,
                // Every fifth second, to show whether the lag grows with time or stays flat.
                lagEvery5s = samples.Where((_, i) => i % 5 == 4).Select(x => x.Lags.GetValueOrDefault(consumer)).ToArray(),
            };
            SustainedEvents += sorted.Length * (long)BatchSize;
            steps.Add(new
            {
                benchmark = "sustained open-loop ingest: do the store and the profile builder keep level?",
                offeredEventsPerSecond = Math.Round(rate),
                distinctPeopleStoredAtStart = peopleBefore,
                acknowledgedEventsPerSecond = Math.Round(achieved),
                seconds = Math.Round(seconds, 1),
                errors,
                p50Ms = Percentile(sorted, 0.5),
                p99Ms = Percentile(sorted, 0.99),
                store = Of("store"),
                profiles = Of("profiles"),
                serverPeakRssMiB = PeakRss(pulse) / (1024 * 1024),
            });
            Console.Error.WriteLine($"sustained {rate:F0}/s: acknowledged {achieved:F0}/s, profiles lag at end {last.GetValueOrDefault("profiles")}, store {last.GetValueOrDefault("store")}");
        }
        return steps;
    }

    /// <summary>
    /// Open loop: starts <paramref name="send"/> on a fixed schedule, <paramref name="perSecond"/> times a
    /// second for <paramref name="duration"/>, without waiting for answers (at most 256 in flight), then
    /// waits for every one of them.
    /// </summary>
    internal static async Task OpenLoopAsync(double perSecond, TimeSpan duration, Func<Task> send)
    {
        var interval = Stopwatch.Frequency / perSecond;
        var start = Stopwatch.GetTimestamp();
        var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var sends = new List<Task>();
        using var inFlight = new SemaphoreSlim(256);
        for (var n = 0L; ; n++)
        {
            var due = start + (long)(n * interval);
            if (due >= end)
                break;
            while (Stopwatch.GetTimestamp() < due)
                await Task.Delay(1);
            await inFlight.WaitAsync();
            sends.Add(Task.Run(async () =>
            {
                try
                {
                    await send();
                }
                finally
                {
                    inFlight.Release();
                }
            }));
        }
        await Task.WhenAll(sends);
    }

    private static readonly HttpClient Metrics = new() { Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>Each log consumer's lag behind the acknowledged log (events), from the server's /metrics.</summary>
    internal static async Task<Dictionary<string, long>> LagsAsync(string metricsUrl)
    {
        var lags = new Dictionary<string, long>();
        foreach (var line in (await Metrics.GetStringAsync(metricsUrl)).Split('\n'))
        {
            if (!line.StartsWith("pulse_collect_consumer_lag{", StringComparison.Ordinal))
                continue;
            var name = line[(line.IndexOf("consumer=\"", StringComparison.Ordinal) + 10)..];
            name = name[..name.IndexOf('"', StringComparison.Ordinal)];
            lags[name] = (long)double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return lags;
    }

    /// <summary>The process's resident memory now, in bytes (0 where /proc is not there).</summary>
    internal static long Rss(Process p) => ProcStatusBytes(p, "VmRSS:");

    /// <summary>The process's peak resident memory since it started, in bytes (0 where /proc is not there).</summary>
    internal static long PeakRss(Process p) => ProcStatusBytes(p, "VmHWM:");

    private static long ProcStatusBytes(Process p, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{p.Id}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                    return long.Parse(line.AsSpan(field.Length).Trim().TrimEnd("kB").Trim(), CultureInfo.InvariantCulture) * 1024;
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }

    internal static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 2);

    internal static Process Start(string file, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        var p = Process.Start(psi)!;
        p.OutputDataReceived += (_, _) => { };
        p.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is { } line && (line.Contains("\"Error\"", StringComparison.Ordinal) || line.Contains("\"Critical\"", StringComparison.Ordinal)))
                Console.Error.WriteLine("server: " + line);
        };
        p.BeginOutputReadLine();
        p.BeginErrorReadLine();
        return p;
    }

    internal static async Task<string> RunToEndAsync(string dll, string[] args, Dictionary<string, string> env)
    {
        var psi = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        psi.ArgumentList.Add(dll);
        foreach (var a in args)
            psi.ArgumentList.Add(a);
        foreach (var (k, v) in env)
            psi.Environment[k] = v;
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        var error = await p.StandardError.ReadToEndAsync();
        await p.WaitForExitAsync();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"pulse {string.Join(' ', args)} failed: {error}");
        return output;
    }

    internal static async Task WaitReadyAsync(string url)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var i = 0; i < 300; i++)
        {
            try
            {
                if ((await http.GetAsync(url)).IsSuccessStatusCode)
                    return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException(url + " did not come up.");
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        return ((IPEndPoint)l.LocalEndpoint).Port;
    }

    internal static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pulse.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new DirectoryNotFoundException("Pulse.slnx not found above the bench binary.");
    }

    private sealed record Result(
        string Benchmark, int Connections, int EventsPerRequest, long Requests, long Errors, long Events,
        double RequestsPerSecond, double EventsPerSecond, double P50Ms, double P99Ms, long ServerPeakRssMiB, double RatioToBaseline,
        long WarmupEvents, double Seconds);
}
