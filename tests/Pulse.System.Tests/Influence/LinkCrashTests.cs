using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Pulse.Tests.Shared;

namespace Pulse.System.Tests.Influence;

/// <summary>
/// The redirect does not wait for the log, so a <c>kill -9</c> may lose the clicks answered since
/// the last commit, and no others: every click answered more than a second before the kill (many
/// commit intervals on a busy machine) is on the log after the restart, each once.
/// </summary>
public sealed class LinkCrashTests
{
    [Fact]
    public async Task KillDashNine_WhileLinksAreClicked_LosesOnlyTheClicksOfTheLastCommit()
    {
        var data = Directory.CreateTempSubdirectory("pulse-link-crash-").FullName;
        Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
        var link = await PulseProcess.RunAsync("link", "create", "--data", data, "--workspace", "Shop", "--url", "https://shop.example/sale", "--slug", "crash-test");
        Assert.True(link.ExitCode == 0, link.Stderr);

        var (server, address, log) = await PulseProcess.ServeAsync(data);
        var answered = new ConcurrentBag<(string ClickId, long At)>();
        using var stop = new CancellationTokenSource();
        using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = address, Timeout = TimeSpan.FromSeconds(10) };
        var workers = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    using var res = await http.GetAsync("/l/crash-test");
                    if (res.StatusCode == HttpStatusCode.Redirect && res.Headers.Location?.OriginalString is { } location)
                        answered.Add((location[(location.IndexOf("pclid=", StringComparison.Ordinal) + 6)..], Stopwatch.GetTimestamp()));
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
                {
                    // The server died mid-request: no redirect was answered.
                }
            }
        })).ToArray();

        // At least three seconds of clicks (so most of them are well before the kill) and 3,000 of them.
        var started = Stopwatch.GetTimestamp();
        await Eventually.UntilAsync(() => answered.Count >= 3_000 && Stopwatch.GetElapsedTime(started) > TimeSpan.FromSeconds(3), TimeSpan.FromMinutes(2),
            () => $"3,000 redirects over 3 s before the kill ({answered.Count} so far): {log}", pollMilliseconds: 50);
        var killedAt = Stopwatch.GetTimestamp();
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
        await stop.CancelAsync();
        await Task.WhenAll(workers);

        // Read the log without a server: the export sees everything that was committed.
        var export = await PulseProcess.RunAsync("events", "export", "--data", data, "--workspace", "Shop", "--format", "jsonl");
        Assert.True(export.ExitCode == 0, export.Stderr);
        var stored = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var line in export.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var e = JsonDocument.Parse(line).RootElement;
            if (e.GetProperty("event").GetString() == "Link Clicked")
                stored[e.GetProperty("messageId").GetString()!] = stored.GetValueOrDefault(e.GetProperty("messageId").GetString()!) + 1;
        }
        var second = Stopwatch.Frequency;
        var early = answered.Where(a => killedAt - a.At > second).ToList();
        var lostEarly = early.Count(a => !stored.ContainsKey(a.ClickId));
        var lostLate = answered.Count(a => killedAt - a.At <= second && !stored.ContainsKey(a.ClickId));
        Assert.True(early.Count > 0, "no redirect was answered more than a second before the kill");
        Assert.True(lostEarly == 0, $"{lostEarly} of {early.Count} clicks answered more than a second before the kill are missing");
        Assert.All(stored, s => Assert.Equal(1, s.Value));
        // What the last second lost is the bound the docs state; it is printed, not asserted (it depends on timing).
        Console.WriteLine($"kill -9 after {answered.Count} redirects: {stored.Count} clicks on the log, {lostLate} of the last second's lost");
    }
}
