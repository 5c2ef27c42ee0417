using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Workspaces;

namespace Pulse.Bench;

/// <summary>
/// Closed-loop HTTP load from this process: <c>connections</c> workers each send a request as soon
/// as the previous answer arrives, for a fixed time, after a warm-up. Prints one JSON line per target.
/// </summary>
internal static class HttpLoad
{
    public static async Task RunAsync(int connections, TimeSpan duration)
    {
        await using var pulse = await BenchHost.StartPulseAsync();
        await using var bare = await BenchHost.StartBareAsync();
        string key;
        await using (var scope = pulse.Services.CreateAsyncScope())
        {
            var ws = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().CreateAsync("Demo Shop", null, null, default);
            key = (await scope.ServiceProvider.GetRequiredService<ApiKeyService>().CreateAsync(Actor.Cli(ws.Id), "bench", "Viewer", null, default)).Key;
        }
        var bareResult = await MeasureAsync("bare Kestrel GET (baseline)", Url(bare), null, connections, duration);
        var pulseResult = await MeasureAsync("pulse GET /api/v1/workspaces/current (API key auth)", Url(pulse), key, connections, duration);
        foreach (var r in new[] { bareResult, pulseResult })
            Console.WriteLine(JsonSerializer.Serialize(r with { RatioToBaseline = Math.Round(r.RequestsPerSecond / bareResult.RequestsPerSecond, 3) }));
    }

    private static Uri Url(WebApplication app) => new(new Uri(PulseHost.Addresses(app)[0]), "/api/v1/workspaces/current");

    private static async Task<Result> MeasureAsync(string name, Uri url, string? key, int connections, TimeSpan duration)
    {
        using var handler = new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        using var client = new HttpClient(handler);
        if (key is not null)
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        await RunWorkersAsync(client, url, connections, TimeSpan.FromSeconds(2), null);
        var latencies = new List<double>[connections];
        var errors = new long[1];
        var peakRss = Process.GetCurrentProcess().WorkingSet64;
        using var rssTimer = new Timer(_ => peakRss = Math.Max(peakRss, Process.GetCurrentProcess().WorkingSet64), null, 0, 200);
        var sw = Stopwatch.StartNew();
        await RunWorkersAsync(client, url, connections, duration, (latencies, errors));
        sw.Stop();
        var all = latencies.SelectMany(l => l).Order().ToArray();
        return new Result(name, connections, all.Length, errors[0], Math.Round(all.Length / sw.Elapsed.TotalSeconds, 1),
            Percentile(all, 0.50), Percentile(all, 0.99), peakRss / (1024 * 1024), 0);
    }

    private static async Task RunWorkersAsync(HttpClient client, Uri url, int connections, TimeSpan duration, (List<double>[] Latencies, long[] Errors)? record)
    {
        var end = Stopwatch.GetTimestamp() + (long)(duration.TotalSeconds * Stopwatch.Frequency);
        var workers = Enumerable.Range(0, connections).Select(i => Task.Run(async () =>
        {
            var mine = new List<double>(100_000);
            if (record is { } r)
                r.Latencies[i] = mine;
            while (Stopwatch.GetTimestamp() < end)
            {
                var start = Stopwatch.GetTimestamp();
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseContentRead);
                var ms = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
                if (response.StatusCode != HttpStatusCode.OK)
                {
                    if (record is { } rr)
                        Interlocked.Increment(ref rr.Errors[0]);
                    continue;
                }
                mine.Add(ms);
            }
        })).ToArray();
        await Task.WhenAll(workers);
    }

    private static double Percentile(double[] sorted, double p) =>
        sorted.Length == 0 ? 0 : Math.Round(sorted[Math.Min(sorted.Length - 1, (int)(p * sorted.Length))], 3);

    private sealed record Result(
        string Benchmark, int Connections, long Requests, long Errors, double RequestsPerSecond,
        double P50Ms, double P99Ms, long PeakRssMiB, double RatioToBaseline);
}
