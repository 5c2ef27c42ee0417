using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Pulse.Bench;

/// <summary>
/// Forwarding from the event log to a destination: <c>pulse serve</c> runs as a child process with a
/// webhook destination (batches of 1,000) pointing at a stub receiver in this process, which notes
/// when each message id arrives. Measured in one run:
/// (1) the stub's own capacity, posting 1,000-event batches to it directly (baseline: the receiver
///     is not the limit);
/// (2) closed-loop ingest of 100-event batches for the given time with the destination switched
///     off (the ingest rate); once the store and profiles have caught up it is switched on and
///     forwards the backlog: forwarded events per second, the server doing nothing else;
/// (3) open-loop ingest at half the forwarding rate: the delay from each batch's acknowledgement
///     to each of its events reaching the stub, p50/p99; then higher rates in steps of an eighth of
///     the ingest rate until p99 passes 1 s, which gives the rate where it does.
/// The load is <see cref="ShopTraffic"/>'s (identifies joining ids, consent changes and opt-outs
/// among them, so delivery waits for consent in log order as it must), or the 64 templates with
/// <c>--templated</c>. Every acknowledged event must reach the stub or be counted as refused for
/// consent (lost = 0).
/// </summary>
internal static class DestinationLoad
{
    private const int InFlight = 8;
    private static long _counter;
    private static readonly ConcurrentDictionary<long, long> Acked = new();
    private static readonly ConcurrentDictionary<long, long> Arrived = new();

    public static async Task RunAsync(TimeSpan duration, int connections, bool templated)
    {
        var root = IngestLoad.RepoRoot();
        var pulseDll = Path.Combine(root, "src/Pulse/bin/Release/net10.0/pulse.dll");
        var data = Directory.CreateTempSubdirectory("pulse-bench-dest-").FullName;
        await using var stub = await StartStubAsync();
        var stubUrl = stub.Urls.First() + "/hook";
        try
        {
            var env = new Dictionary<string, string>
            {
                ["PULSE_Storage__DataDirectory"] = data,
                ["PULSE_Logging__LogLevel__Default"] = "Warning",
                ["PULSE_Destinations__AllowPrivateNetworkTargets"] = "true",
                ["PULSE_Collect__RecentEventsMiB"] = Environment.GetEnvironmentVariable("BENCH_RECENT_MIB") ?? "64",
                ["PULSE_Destinations__RefreshInterval"] = "00:00:00.200",
                // Requests in flight per destination (Destinations:Concurrency, 4 by default): with 1,000-event
                // batches four leave the CPU half idle while they wait for the receiver; eight keep it busy.
                ["PULSE_Destinations__Concurrency"] = InFlight.ToString(CultureInfo.InvariantCulture),
            };
            await IngestLoad.RunToEndAsync(pulseDll, ["workspace", "add", "--name", "Bench"], env);
            var writeKey = (await IngestLoad.RunToEndAsync(pulseDll, ["source", "create", "--workspace", "Bench", "--name", "Load"], env)).Trim();
            var destinationId = (await IngestLoad.RunToEndAsync(pulseDll, ["destination", "create", "--workspace", "Bench", "--type", "webhook", "--name", "Stub", "--source", "Load",
                "--disabled", "--config", $$"""{"url":"{{stubUrl}}","batchSize":1000}"""], env)).Trim();
            var port = IngestLoad.FreePort();
            using var pulse = IngestLoad.Start("dotnet", [pulseDll, "serve", "--urls", $"http://127.0.0.1:{port}"], env);
            await IngestLoad.WaitReadyAsync($"http://127.0.0.1:{port}/healthz");
            await Task.Delay(1000);
            var ingestUrl = $"http://127.0.0.1:{port}/v1/batch";
            IngestLoad.BodySource bodies;
            if (templated)
                bodies = IngestLoad.Templated(IngestLoad.BuildBatches(writeKey, 100));
            else
            {
                var traffic = new ShopTraffic(writeKey, ShopTraffic.RankedCorpusAgents());
                bodies = r => traffic.Batch(r, 100);
            }
            var metricsUrl = $"http://127.0.0.1:{port}/metrics";

            // (1) The stub alone.
            var stubRate = await StubCapacityAsync(stubUrl, TimeSpan.FromSeconds(5));
            Arrived.Clear();

            // (2) Closed-loop ingest with the destination switched off (the ingest rate); once the store and
            // the profile builder have caught up, the destination is switched on and forwards the backlog.
            using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections };
            using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(60) };
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.ASCII.GetBytes(writeKey + ":")));
            var start = Stopwatch.GetTimestamp();
            var end = start + (long)(duration.TotalSeconds * Stopwatch.Frequency);
            await Task.WhenAll(Enumerable.Range(0, connections).Select(w => Task.Run(async () =>
            {
                while (Stopwatch.GetTimestamp() < end)
                    await SendAsync(client, ingestUrl, bodies);
            })));
            var ingestSeconds = Stopwatch.GetElapsedTime(start).TotalSeconds;
            var acked = Acked.Count * 100L;
            var caughtUp = Stopwatch.StartNew();
            await WaitCaughtUpAsync(metricsUrl);
            var skippedBefore = await CounterAsync(metricsUrl, "pulse_destinations_events_skipped");
            var catchUpSeconds = caughtUp.Elapsed.TotalSeconds;
            await IngestLoad.RunToEndAsync(pulseDll, ["destination", "update", "--workspace", "Bench", destinationId, "--enabled", "true"], env);
            var forwardStart = Stopwatch.GetTimestamp();
            var firstArrival = 0L;
            var lastCount = -1;
            var lastChange = Stopwatch.GetTimestamp();
            while (Arrived.Count + await CounterAsync(metricsUrl, "pulse_destinations_events_skipped") - skippedBefore < acked && Stopwatch.GetElapsedTime(lastChange) < TimeSpan.FromSeconds(60))
            {
                if (Arrived.Count != lastCount)
                {
                    if (lastCount <= 0 && Arrived.Count > 0)
                        firstArrival = Stopwatch.GetTimestamp();
                    lastCount = Arrived.Count;
                    lastChange = Stopwatch.GetTimestamp();
                }
                await Task.Delay(10);
            }
            var forwarded = Arrived.Count;
            var refused = await CounterAsync(metricsUrl, "pulse_destinations_events_skipped") - skippedBefore;
            var forwardSeconds = Stopwatch.GetElapsedTime(firstArrival == 0 ? forwardStart : firstArrival).TotalSeconds;
            var forwardRate = forwarded / Math.Max(forwardSeconds, 0.001);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "forwarding a backlog from the log to a webhook (1,000 per batch), the server otherwise idle",
                load = templated ? "templated" : "realistic",
                connections,
                requestsInFlight = InFlight,
                ingestEventsPerSecond = Math.Round(acked / ingestSeconds),
                acknowledged = acked,
                storeAndProfilesCatchUpSeconds = Math.Round(catchUpSeconds, 1),
                forwarded,
                refusedForConsent = refused,
                forwardSeconds = Math.Round(forwardSeconds, 1),
                forwardedEventsPerSecond = Math.Round(forwardRate),
                stubAloneEventsPerSecond = Math.Round(stubRate),
                serverPeakRssMiB = IngestLoad.PeakRss(pulse) / (1024 * 1024),
                lost = acked - forwarded - refused,
            }));

            // (3) Open loop at half the forwarding rate: the delay from acknowledgement to arrival.
            // Half the forwarding rate, but no more than half the ingest rate measured (the server cannot take
            // more beside everything else); BENCH_OPEN_RATE sets another rate (events/s) to see how far it holds.
            var ingestRate = acked / ingestSeconds;
            var rate = double.TryParse(Environment.GetEnvironmentVariable("BENCH_OPEN_RATE"), NumberStyles.Float, CultureInfo.InvariantCulture, out var asked) && asked >= 1000
                ? asked
                : Math.Max(1000, Math.Min(forwardRate, ingestRate) / 2);
            var half = await OpenLoopAsync(client, ingestUrl, bodies, metricsUrl, rate, duration, pulse);
            Console.WriteLine(JsonSerializer.Serialize(half with { Benchmark = "delay from ingest acknowledgement to delivery, open loop at half the ingest rate, consent in log order" }));
            // Then faster, an eighth of the ingest rate at a time, until p99 passes a second or the server cannot take the rate.
            var steps = new List<OpenLoop> { half };
            for (var step = 5; step <= 12 && steps[^1].P99Ms < 1000 && steps[^1].AchievedEventsPerSecond > steps[^1].OfferedEventsPerSecond * 0.95; step++)
            {
                await WaitCaughtUpAsync(metricsUrl);
                steps.Add(await OpenLoopAsync(client, ingestUrl, bodies, metricsUrl, ingestRate * step / 8, duration, pulse));
                Console.Error.WriteLine($"open loop at {steps[^1].OfferedEventsPerSecond:F0}/s: p99 {steps[^1].P99Ms} ms");
            }
            var under = steps.Where(x => x.P99Ms < 1000).MaxBy(x => x.AchievedEventsPerSecond);
            var over = steps.FirstOrDefault(x => x.P99Ms >= 1000);
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                benchmark = "the ingest rate where delivery delay p99 reaches 1 s (open-loop steps of 1/8 of the ingest rate)",
                ingestEventsPerSecond = Math.Round(ingestRate),
                fastestUnderOneSecond = under is null ? (double?)null : under.AchievedEventsPerSecond,
                fastestUnderOneSecondP99Ms = under?.P99Ms,
                firstAtOrOverOneSecond = over?.OfferedEventsPerSecond,
                firstAtOrOverOneSecondP99Ms = over?.P99Ms,
                steps = steps.Select(x => new { x.OfferedEventsPerSecond, x.AchievedEventsPerSecond, x.P50Ms, x.P99Ms, x.Lost }),
            }));
            pulse.Kill(entireProcessTree: true);
        }
        finally
        {
            try
            {
                Directory.Delete(data, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private sealed record OpenLoop(string Benchmark, double OfferedEventsPerSecond, double AchievedEventsPerSecond, long Acknowledged, long Delivered,
        long RefusedForConsent, double P50Ms, double P99Ms, double MaxMs, long ServerPeakRssMiB, long Lost);

    /// <summary>Batches sent on a fixed schedule (not waiting for answers) for the given time; the delay from each acknowledgement to each of its events' arrival.</summary>
    private static async Task<OpenLoop> OpenLoopAsync(HttpClient client, string ingestUrl, IngestLoad.BodySource bodies, string metricsUrl, double rate, TimeSpan duration, Process pulse)
    {
        Acked.Clear();
        Arrived.Clear();
        var skippedBefore = await CounterAsync(metricsUrl, "pulse_destinations_events_skipped");
        var openStart = Stopwatch.GetTimestamp();
        await IngestLoad.OpenLoopAsync(rate / 100, duration, () => SendAsync(client, ingestUrl, bodies));
        var offered = Acked.Count * 100L;
        var achieved = offered / Stopwatch.GetElapsedTime(openStart).TotalSeconds;
        var waitFrom = Stopwatch.GetTimestamp();
        var refused = 0L;
        while (Arrived.Count + (refused = await CounterAsync(metricsUrl, "pulse_destinations_events_skipped") - skippedBefore) < offered
            && Stopwatch.GetElapsedTime(waitFrom) < TimeSpan.FromSeconds(60))
            await Task.Delay(20);
        var delays = Arrived.Select(a => Acked.TryGetValue(a.Key / 10_000, out var ack) ? Math.Max(0, (a.Value - ack) * 1000.0 / Stopwatch.Frequency) : double.NaN)
            .Where(d => !double.IsNaN(d)).Order().ToArray();
        return new OpenLoop("delay from ingest acknowledgement to delivery, open loop", Math.Round(rate), Math.Round(achieved), offered, Arrived.Count, refused,
            IngestLoad.Percentile(delays, 0.5), IngestLoad.Percentile(delays, 0.99), delays.Length == 0 ? 0 : Math.Round(delays[^1]),
            IngestLoad.PeakRss(pulse) / (1024 * 1024), offered - Arrived.Count - refused);
    }

    /// <summary>A counter's total over all its label sets on /metrics (0 before it first counts).</summary>
    private static async Task<long> CounterAsync(string metricsUrl, string name)
    {
        var total = 0.0;
        foreach (var line in (await MetricsClient.GetStringAsync(metricsUrl)).Split('\n'))
        {
            if (line.StartsWith(name, StringComparison.Ordinal) && line.Length > name.Length && line[name.Length] is '{' or ' ' or '_')
                total += double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
        }
        return (long)total;
    }

    private static readonly HttpClient MetricsClient = new() { Timeout = TimeSpan.FromSeconds(10) };

    private static async Task SendAsync(HttpClient client, string url, IngestLoad.BodySource bodies)
    {
        var counter = Interlocked.Increment(ref _counter);
        var body = bodies(counter);
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        try
        {
            using var response = await client.PostAsync(url, content);
            await response.Content.ReadAsByteArrayAsync();
            if (response.StatusCode == HttpStatusCode.OK)
                Acked[counter] = Stopwatch.GetTimestamp();
        }
        catch (HttpRequestException)
        {
        }
    }

    /// <summary>Waits until the store and the profile builder have applied everything acknowledged (their lag on /metrics is 0).</summary>
    private static async Task WaitCaughtUpAsync(string metricsUrl)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var sw = Stopwatch.StartNew();
        while (sw.Elapsed < TimeSpan.FromMinutes(15))
        {
            var lags = (await http.GetStringAsync(metricsUrl)).Split('\n').Where(l => l.StartsWith("pulse_collect_consumer_lag{", StringComparison.Ordinal))
                .Select(l => double.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)).ToList();
            if (lags.Count > 0 && lags.All(v => v == 0))
                return;
            await Task.Delay(250);
        }
    }

    /// <summary>Batches of 1,000 messages posted straight to the stub, as fast as it takes them.</summary>
    private static async Task<double> StubCapacityAsync(string url, TimeSpan duration)
    {
        var sb = new StringBuilder("{\"batch\":[");
        for (var i = 0; i < 1000; i++)
            sb.Append(i == 0 ? "" : ",").Append("{\"type\":\"track\",\"messageId\":\"ffffffffffffffff-").Append(i.ToString("D4", CultureInfo.InvariantCulture))
                .Append("\",\"event\":\"Product Viewed\",\"properties\":{\"product_id\":\"sku-1\",\"price\":19.99},\"context\":{\"page\":{\"url\":\"https://shop.example/p/1\"}}}");
        var body = Encoding.UTF8.GetBytes(sb.Append("]}").ToString());
        using var client = new HttpClient();
        var sent = 0L;
        var sw = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            while (sw.Elapsed < duration)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var r = await client.PostAsync(url, content);
                Interlocked.Add(ref sent, 1000);
            }
        })));
        return sent / sw.Elapsed.TotalSeconds;
    }

    /// <summary>The receiving end: notes the first arrival of every message id (request counter and index within its batch).</summary>
    private static async Task<WebApplication> StartStubAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 64 * 1024 * 1024);
        var app = builder.Build();
        app.MapPost("/hook", async (HttpContext http) =>
        {
            using var ms = new MemoryStream();
            await http.Request.Body.CopyToAsync(ms);
            var now = Stopwatch.GetTimestamp();
            var reader = new Utf8JsonReader(ms.GetBuffer().AsSpan(0, (int)ms.Length));
            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.PropertyName && reader.ValueTextEquals("messageId"u8) && reader.Read())
                {
                    var id = reader.GetString()!;
                    if (id.Length == 21 && long.TryParse(id.AsSpan(0, 16), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var counter)
                        && int.TryParse(id.AsSpan(17), NumberStyles.None, CultureInfo.InvariantCulture, out var index))
                        Arrived.TryAdd(counter * 10_000 + index, now);
                }
            }
            return Results.NoContent();
        });
        await app.StartAsync();
        return app;
    }
}
