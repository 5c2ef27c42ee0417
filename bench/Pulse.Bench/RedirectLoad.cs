using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Events;
using Pulse.Hosting;
using Pulse.Influence.Creators;
using Pulse.Influence.Links;
using Pulse.Platform.Access;
using Pulse.Platform.Workspaces;

namespace Pulse.Bench;

/// <summary>
/// The redirect path against nginx's <c>return 302</c> on this machine, in the same run, driven by
/// the same wrk with the same Lua script: each request picks one of 1,000 links (Zipf-like: a few
/// creators' links take most clicks), one of 2,000 uap-core user agents, one of 40 referrers, a
/// client address from 16M (X-Forwarded-For; Pulse trusts the loopback proxy here) and, for half
/// the requests, a returning visitor's cookie from 1M. After Pulse's run it waits for the click
/// recorder and checks that the log holds one Link Clicked event per redirect wrk saw answered.
/// </summary>
internal static partial class RedirectLoad
{
    public static async Task RunAsync(int seconds, int connections)
    {
        Need("wrk");
        Need("nginx");
        var dir = Directory.CreateTempSubdirectory("pulse-redirect-bench-").FullName;

        await using var pulse = await BenchHost.StartPulseAsync(new() { ["Http:TrustedProxies:0"] = "127.0.0.1", ["Links:ClickQueue"] = "1000000" });
        Guid workspace;
        var slugs = new List<string>();
        var ids = new List<string>();
        await using (var scope = pulse.Services.CreateAsyncScope())
        {
            var ws = await scope.ServiceProvider.GetRequiredService<WorkspaceService>().CreateAsync("Demo Shop", null, null, default);
            workspace = ws.Id;
            var actor = Actor.Cli(ws.Id);
            var creators = scope.ServiceProvider.GetRequiredService<CreatorService>();
            var links = scope.ServiceProvider.GetRequiredService<LinkService>();
            for (var c = 0; c < 50; c++)
            {
                var creator = await creators.CreateAsync(actor, new CreateCreatorRequest($"Creator {c}", null, null, null, null,
                    [new HandleInput("instagram", $"creator_{c}", 5_000 + c * 20_000)], null, null, null), default);
                for (var l = 0; l < 20; l++)
                {
                    var link = await links.CreateAsync(actor, new CreateLinkRequest($"https://shop.example/p/{c * 20 + l}?color=red", CreatorId: creator.Id, Campaign: $"campaign-{l % 4}"), default);
                    slugs.Add(link.Slug);
                    ids.Add(link.Id.ToString());
                }
            }
        }
        var agents = ShopTraffic.RankedCorpusAgents().Take(2000).Where(a => !a.Contains('"') && !a.Contains('\\')).ToArray();
        await File.WriteAllLinesAsync(Path.Combine(dir, "slugs.txt"), slugs);
        await File.WriteAllLinesAsync(Path.Combine(dir, "agents.txt"), agents);
        var script = Path.Combine(dir, "clicks.lua");
        await File.WriteAllTextAsync(script, Lua(dir));

        var nginxPort = FreePort();
        var nginx = StartNginx(dir, nginxPort);
        try
        {
            var pulseUrl = PulseHost.Addresses(pulse)[0];
            var nginxUrl = $"http://127.0.0.1:{nginxPort}";
            Console.Error.WriteLine($"{slugs.Count} links of 50 creators; {agents.Length} user agents; wrk -t2 -c{connections} -d{seconds}s on each after 10 s of warm-up");
            await WrkAsync(nginxUrl, script, connections, 10);
            var nginxResult = await WrkAsync(nginxUrl, script, connections, seconds);
            // Ten seconds before measuring: Pulse's first seconds run tier-0 code while the thread pool grows (3 s of warm-up measured a third of the rate).
            var warm = await WrkAsync(pulseUrl, script, connections, 10);
            var pulseResult = await WrkAsync(pulseUrl, script, connections, seconds);
            // A lighter load too, where neither saturates the machine.
            var light = Math.Max(1, connections / 8);
            var nginxLight = await WrkAsync(nginxUrl, script, light, seconds);
            var pulseLight = await WrkAsync(pulseUrl, script, light, seconds);

            var recorder = pulse.Services.GetRequiredService<ClickRecorder>();
            var expected = warm.Requests + pulseResult.Requests + pulseLight.Requests;
            var counts = pulse.Services.GetRequiredService<TrackedCounts>();
            var sw = Stopwatch.StartNew();
            long counted = 0;
            while (sw.Elapsed < TimeSpan.FromMinutes(3))
            {
                if (recorder.Waiting == 0)
                {
                    counted = (await counts.CountAsync(workspace, LinkService.ClickEvent, "linkId", ids, default)).Values.Sum(c => c.Total);
                    if (counted >= expected)
                        break;
                }
                await Task.Delay(500);
            }
            foreach (var (name, r, baseline) in new[]
            {
                ("nginx return 302 (baseline)", nginxResult, nginxResult),
                ("pulse /l/{slug} with the click recorded", pulseResult, nginxResult),
                ($"nginx return 302, {light} connections (baseline)", nginxLight, nginxLight),
                ($"pulse /l/{{slug}}, {light} connections", pulseLight, nginxLight),
            })
            {
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    name, connections = r.Connections, requests = r.Requests, errors = r.Errors, requestsPerSecond = r.RequestsPerSecond, p50Ms = r.P50, p99Ms = r.P99,
                    ratioToNginx = Math.Round(r.RequestsPerSecond / baseline.RequestsPerSecond, 3), p99ToNginx = Math.Round(r.P99 / baseline.P99, 2),
                }));
            }
            Console.WriteLine(JsonSerializer.Serialize(new
            {
                // wrk counts the answers it read before its clock stopped; the requests still in flight then were answered and recorded too, so counted >= answered.
                name = "clicks on the log after the runs", redirectsAnswered = expected, clicksCounted = counted, missing = Math.Max(0, expected - counted),
                recorderCommitted = recorder.Recorded, secondsToCatchUp = Math.Round(sw.Elapsed.TotalSeconds, 1),
            }));
        }
        finally
        {
            nginx.Kill(entireProcessTree: true);
            await nginx.WaitForExitAsync();
        }
    }

    private sealed record WrkResult(int Connections, long Requests, long Errors, double RequestsPerSecond, double P50, double P99);

    private static async Task<WrkResult> WrkAsync(string url, string script, int connections, int seconds)
    {
        var psi = new ProcessStartInfo("wrk", $"-t2 -c{connections} -d{seconds}s --latency --timeout 10s -s {script} {url}") { RedirectStandardOutput = true, RedirectStandardError = true };
        using var p = Process.Start(psi)!;
        var output = await p.StandardOutput.ReadToEndAsync();
        await p.WaitForExitAsync();
        var requests = long.Parse(Requests().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var rate = double.Parse(Rate().Match(output).Groups[1].Value, CultureInfo.InvariantCulture);
        var errors = Errors().Matches(output).Sum(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
        var non3xx = NonRedirect().Match(output) is { Success: true } n ? long.Parse(n.Groups[1].Value, CultureInfo.InvariantCulture) : 0;
        return new WrkResult(connections, requests - non3xx, errors + non3xx, rate, Latency(output, "50%"), Latency(output, "99%"));
    }

    private static double Latency(string output, string percentile)
    {
        var m = Regex.Match(output, $@"^\s*{Regex.Escape(percentile)}\s+([0-9.]+)(us|ms|s)\s*$", RegexOptions.Multiline);
        var v = double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture);
        return Math.Round(m.Groups[2].Value switch { "us" => v / 1000, "s" => v * 1000, _ => v }, 3);
    }

    private static Process StartNginx(string dir, int port)
    {
        var conf = Path.Combine(dir, "nginx.conf");
        File.WriteAllText(conf, $$"""
            worker_processes 2;
            pid {{dir}}/nginx.pid;
            error_log {{dir}}/nginx-error.log;
            events { worker_connections 8192; }
            http {
                access_log off;
                server {
                    listen 127.0.0.1:{{port}};
                    location /l/ { return 302 https://shop.example/p/1?color=red&utm_source=instagram&utm_medium=influencer&utm_campaign=campaign-1&utm_content=creator_0; }
                }
            }
            """);
        var p = Process.Start(new ProcessStartInfo("nginx", $"-c {conf} -p {dir} -g \"daemon off;\"") { RedirectStandardError = true })!;
        for (var i = 0; i < 100; i++)
        {
            try
            {
                using var client = new System.Net.Sockets.TcpClient();
                client.Connect("127.0.0.1", port);
                return p;
            }
            catch (System.Net.Sockets.SocketException)
            {
                Thread.Sleep(100);
            }
        }
        throw new InvalidOperationException("nginx did not start: " + p.StandardError.ReadToEnd());
    }

    private static int FreePort()
    {
        var l = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        var port = ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>Installs a Debian package when its command is missing (the bench machine is a fresh Debian like CI's).</summary>
    private static void Need(string command)
    {
        if (File.Exists($"/usr/bin/{command}") || File.Exists($"/usr/sbin/{command}"))
            return;
        Console.Error.WriteLine($"installing {command} …");
        var sudo = Environment.UserName == "root" ? "" : "sudo ";
        using var p = Process.Start("bash", $"-c \"{sudo}apt-get install -y -qq {command} >/dev/null || ({sudo}apt-get update -qq && {sudo}apt-get install -y -qq {command} >/dev/null)\"")!;
        p.WaitForExit();
        if (p.ExitCode != 0)
            throw new InvalidOperationException($"Could not install {command} with apt-get.");
    }

    private static string Lua(string dir)
    {
        var sb = new StringBuilder();
        sb.Append($$"""
            local function lines(path)
              local t = {}
              for line in io.lines(path) do t[#t + 1] = line end
              return t
            end
            local slugs = lines("{{dir}}/slugs.txt")
            local agents = lines("{{dir}}/agents.txt")
            local referrers = {}
            local sites = { "www.instagram.com", "l.instagram.com", "www.tiktok.com", "m.youtube.com", "www.youtube.com", "l.facebook.com", "t.co", "www.linkedin.com",
              "www.google.com", "duckduckgo.com", "www.bing.com", "news.ycombinator.com", "www.reddit.com", "out.reddit.com", "mail.google.com", "outlook.live.com",
              "www.pinterest.com", "web.whatsapp.com", "telegram.org", "www.snapchat.com" }
            for i, s in ipairs(sites) do referrers[#referrers + 1] = "https://" .. s .. "/"; referrers[#referrers + 1] = "https://" .. s .. "/p/" .. i end
            local hex = "0123456789abcdef"
            local function visitor()
              local id = math.random(1, 1000000)
              return string.format("%032x", id)
            end
            math.randomseed(os.time() + math.random(1, 100000))
            request = function()
              -- A few creators' links take most clicks: the square of a uniform pick leans to the first links.
              local r = math.random()
              local slug = slugs[1 + math.floor(r * r * #slugs)]
              local headers = {}
              headers["User-Agent"] = agents[math.random(1, #agents)]
              headers["X-Forwarded-For"] = string.format("%d.%d.%d.%d", math.random(1, 223), math.random(0, 255), math.random(0, 255), math.random(1, 254))
              if math.random() < 0.7 then headers["Referer"] = referrers[math.random(1, #referrers)] end
              if math.random() < 0.5 then headers["Cookie"] = "pulse_vid=" .. visitor() end
              local path = "/l/" .. slug
              if math.random() < 0.1 then path = path .. "?qr=1" elseif math.random() < 0.2 then path = path .. "?ref=newsletter" end
              return wrk.format("GET", path, headers)
            end
            """);
        return sb.ToString();
    }

    [GeneratedRegex(@"(\d+) requests in")]
    private static partial Regex Requests();

    [GeneratedRegex(@"Requests/sec:\s+([0-9.]+)")]
    private static partial Regex Rate();

    [GeneratedRegex(@"(?:connect|read|write|timeout) (\d+)")]
    private static partial Regex Errors();

    [GeneratedRegex(@"Non-2xx or 3xx responses: (\d+)")]
    private static partial Regex NonRedirect();
}
