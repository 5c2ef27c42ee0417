using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Pulse.Tests.Shared.Platforms;

namespace Pulse.System.Tests.Destinations;

/// <summary><c>pulse replay</c> and <c>pulse destination deliveries|test</c> beside a running server, as an operator would use them.</summary>
public sealed class DeliveryCliTests
{
    [Fact]
    public async Task Replay_BackfillsANewWebhook_WithProgress_ThenTheDeliveryLogAndATestEventShowIt()
    {
        var data = Directory.CreateTempSubdirectory("pulse-dest-replay-").FullName;
        await using var hook = await WebhookReceiver.StartAsync();
        var env = new Dictionary<string, string>
        {
            ["PULSE_Destinations__AllowPrivateNetworkTargets"] = "true",
            ["PULSE_Destinations__RefreshInterval"] = "00:00:00.200",
        };
        try
        {
            string[] at = ["--data", data, "--workspace", "Shop"];
            Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
            var source = await PulseProcess.RunAsync(["source", "create", .. at, "--name", "Web"]);
            var writeKey = source.Stdout.Trim();
            var (server, address, log) = await PulseProcess.ServeAsync(data, env);
            try
            {
                var from = TimeProvider.System.GetUtcNow().AddMinutes(-5);
                using var http = new HttpClient { BaseAddress = address };
                http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(writeKey + ":")));
                var body = "{\"batch\":[" + string.Join(',', Enumerable.Range(0, 40).Select(i => $$"""{"type":"track","userId":"u{{i}}","event":"Signed Up","messageId":"early-{{i}}"}""")) + "]}";
                Assert.Equal(HttpStatusCode.OK, (await http.PostAsync("/v1/batch", new StringContent(body, Encoding.UTF8, "application/json"))).StatusCode);

                var create = await PulseProcess.RunWithAsync(env, ["destination", "create", .. at, "--type", "webhook", "--name", "CRM", "--source", "Web",
                    "--config", $$"""{"url":"{{hook.Url}}","batchSize":25}"""]);
                Assert.True(create.ExitCode == 0, create.Stderr);
                var id = create.Stdout.Trim();

                var badRange = await PulseProcess.RunWithAsync(env, ["replay", .. at, "--destination", id, "--from", from.AddHours(2).ToString("O")]);
                Assert.Equal(2, badRange.ExitCode);
                var replay = await PulseProcess.RunWithAsync(env, ["replay", .. at, "--destination", id, "--from", from.ToString("O"), "--wait"]);
                Assert.True(replay.ExitCode == 0, replay.Stderr + log);
                Assert.Contains("40 events sent", replay.Stderr, StringComparison.Ordinal);
                Assert.Equal(40, hook.Messages.Select(m => m.GetProperty("messageId").GetString()).Distinct().Count());
                Assert.All(hook.Accepted, d => Assert.InRange(d.Json.GetProperty("batch").GetArrayLength(), 1, 25));

                var deliveries = await PulseProcess.RunWithAsync(env, ["destination", "deliveries", .. at, id, "--message-id", "early-7"]);
                Assert.True(deliveries.ExitCode == 0, deliveries.Stderr);
                Assert.Contains("replay", deliveries.Stdout, StringComparison.Ordinal);
                Assert.Contains("delivered", deliveries.Stdout, StringComparison.Ordinal);

                var test = await PulseProcess.RunWithAsync(env, ["destination", "test", .. at, id]);
                Assert.True(test.ExitCode == 0, test.Stderr);
                Assert.Contains("delivered (HTTP 200)", test.Stderr, StringComparison.Ordinal);
            }
            finally
            {
                await PulseProcess.StopAsync(server);
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
}
