using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.System.Tests.Destinations;

/// <summary>Deliveries survive <c>kill -9</c> of the server: after a restart they go on from the destination's cursor.</summary>
public sealed partial class DeliveryCrashTests
{
    [Fact]
    public async Task KillDashNine_WhileDeliveriesAreInFlight_EveryEventArrivesAtLeastOnce_DuplicatesIdentical()
    {
        var data = Directory.CreateTempSubdirectory("pulse-dest-crash-").FullName;
        await using var hook = await WebhookReceiver.StartAsync();
        // A slow receiver: requests are in flight when the server dies.
        hook.Delay = TimeSpan.FromMilliseconds(150);
        var env = new Dictionary<string, string>
        {
            ["PULSE_Destinations__AllowPrivateNetworkTargets"] = "true",
            ["PULSE_Destinations__RetryBaseDelay"] = "00:00:00.100",
            ["PULSE_Destinations__RetryMaxDelay"] = "00:00:01",
            ["PULSE_Destinations__RefreshInterval"] = "00:00:00.200",
            ["PULSE_Destinations__Concurrency"] = "2",
        };
        try
        {
            string[] at = ["--data", data, "--workspace", "Shop"];
            Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
            var source = await PulseProcess.RunAsync(["source", "create", .. at, "--name", "Web"]);
            Assert.Equal(0, source.ExitCode);
            var writeKey = source.Stdout.Trim();
            var create = await PulseProcess.RunWithAsync(env, ["destination", "create", .. at, "--type", "webhook", "--name", "Partner", "--source", "Web",
                "--config", $$"""{"url":"{{hook.Url}}","batchSize":50}"""]);
            Assert.True(create.ExitCode == 0, create.Stderr);
            hook.Secret = SecretPattern().Match(create.Stderr).Value;
            Assert.StartsWith("whsec_", hook.Secret, StringComparison.Ordinal);

            var (server, address, log) = await PulseProcess.ServeAsync(data, env);
            using var http = new HttpClient { BaseAddress = address };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
            const int total = 3000;
            for (var b = 0; b < total / 100; b++)
            {
                var body = "{\"batch\":[" + string.Join(',', Enumerable.Range(b * 100, 100).Select(i =>
                    $$$"""{"type":"track","userId":"u-{{{i % 37}}}","event":"Order Completed","messageId":"crash-{{{i}}}","properties":{"revenue":{{{i}}}}}""")) + "]}";
                var res = await http.PostAsync("/v1/batch", new StringContent(body, Encoding.UTF8, "application/json"));
                Assert.Equal(HttpStatusCode.OK, res.StatusCode);
            }
            // Part delivered, part in flight: kill without warning.
            for (var i = 0; i < 400 && hook.Messages.Count < 400; i++)
                await Task.Delay(25);
            Assert.True(hook.Messages.Count >= 400, "deliveries did not start: " + log);
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync();
            var before = hook.Messages.Count;
            Assert.True(before < total, $"everything ({before}) was delivered before the kill; nothing was in flight");

            var (restarted, address2, log2) = await PulseProcess.ServeAsync(data, env);
            try
            {
                var until = TimeProvider.System.GetTimestamp();
                while (hook.Messages.Select(m => m.GetProperty("messageId").GetString()).Distinct().Count() < total)
                {
                    Assert.True(TimeProvider.System.GetElapsedTime(until) < TimeSpan.FromSeconds(60),
                        $"only {hook.Messages.Select(m => m.GetProperty("messageId").GetString()).Distinct().Count()} of {total} arrived after the restart: {log2}");
                    await Task.Delay(100);
                }
                Assert.Equal(0, hook.RefusedSignatures);
                // At least once: a batch in flight at the kill may come twice, always with the same message id and content.
                foreach (var group in hook.Messages.GroupBy(m => m.GetProperty("messageId").GetString()).Where(g => g.Count() > 1))
                    Assert.Single(group.Select(m => m.GetRawText()).Distinct());
                Assert.True(hook.Messages.Count - total < 1000, $"{hook.Messages.Count - total} duplicates: far more than was in flight");

                // The delivery counters are on /metrics.
                using var metricsClient = new HttpClient { BaseAddress = address2 };
                var metrics = await metricsClient.GetStringAsync("/metrics");
                Assert.Matches("pulse_destinations_events_sent_total\\{[^}]*type=\"webhook\"[^}]*\\} [1-9]", metrics);
                Assert.Contains("pulse_destinations_queue_depth", metrics, StringComparison.Ordinal);
            }
            finally
            {
                await PulseProcess.StopAsync(restarted);
            }
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

    [GeneratedRegex("whsec_[0-9a-f]+")]
    private static partial Regex SecretPattern();
}
