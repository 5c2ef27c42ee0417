using System.Net.Http.Headers;

namespace Pulse.System.Tests;

/// <summary>
/// Module counters read from a real 'pulse serve'. In a process of its own, because meters are
/// process-wide: several test servers in one process would register the same meter names.
/// </summary>
public sealed class MetricsTests
{
    [Fact]
    public async Task PlatformCounters_AreExported_AtMetrics()
    {
        var data = Directory.CreateTempSubdirectory("pulse-metrics-").FullName;
        await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop");
        var (server, address, _) = await PulseProcess.ServeAsync(data);
        try
        {
            var key = (await PulseProcess.RunAsync("apikey", "create", "--data", data, "--workspace", "Shop", "--role", "Admin")).Stdout.Trim();
            using var http = new HttpClient { BaseAddress = address };
            var good = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workspaces/current");
            good.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            await http.SendAsync(good);
            var bad = new HttpRequestMessage(HttpMethod.Get, "/api/v1/workspaces/current");
            bad.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "pk_live_0000000000000000000000000000000000000000");
            await http.SendAsync(bad);
            var created = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apikeys") { Content = new StringContent("{\"name\":\"m\",\"role\":\"Viewer\"}", global::System.Text.Encoding.UTF8, "application/json") };
            created.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
            await http.SendAsync(created);

            var metrics = await http.GetStringAsync("/metrics");
            Assert.Matches("pulse_platform_apikey_authentications_total\\{[^}]*outcome=\"valid\"[^}]*\\} 2", metrics);
            Assert.Matches("pulse_platform_apikey_authentications_total\\{[^}]*outcome=\"invalid\"[^}]*\\} 1", metrics);
            // The CLI's key was audited by the CLI process; the server counts only its own entries.
            Assert.Matches("pulse_platform_audit_entries_total\\{[^}]*family=\"apikey\"[^}]*\\} 1", metrics);
        }
        finally
        {
            await PulseProcess.StopAsync(server);
        }
    }

    [Fact]
    public async Task CollectCounters_AndTheProfileConsumersLag_AreExported()
    {
        var data = Directory.CreateTempSubdirectory("pulse-metrics-").FullName;
        await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop");
        var writeKey = (await PulseProcess.RunAsync("source", "create", "--data", data, "--workspace", "Shop", "--name", "Web")).Stdout.Trim();
        var (server, address, _) = await PulseProcess.ServeAsync(data);
        try
        {
            using var http = new HttpClient { BaseAddress = address };
            var batch = new HttpRequestMessage(HttpMethod.Post, "/v1/batch")
            {
                Content = new StringContent("""{"batch":[{"type":"page","anonymousId":"a1"},{"type":"identify","anonymousId":"a1","userId":"u1"},{"type":"track","userId":"u1","event":"Order Completed"}]}""",
                    global::System.Text.Encoding.UTF8, "application/json"),
            };
            batch.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(global::System.Text.Encoding.UTF8.GetBytes(writeKey + ":")));
            Assert.True((await http.SendAsync(batch)).IsSuccessStatusCode);

            // The profile builder applies the three events shortly after: its counter reaches 3, its lag reads zero.
            var metrics = "";
            bool Applied() => global::System.Text.RegularExpressions.Regex.IsMatch(metrics, ProfiledThree) && global::System.Text.RegularExpressions.Regex.IsMatch(metrics, LagZero);
            for (var i = 0; i < 100 && !Applied(); i++)
            {
                await Task.Delay(100);
                metrics = await http.GetStringAsync("/metrics");
            }
            Assert.Matches(ProfiledThree, metrics);
            Assert.Matches(LagZero, metrics);
            Assert.Matches("pulse_collect_profiles_batch_duration_seconds_count(\\{[^}]*\\})? [1-3]\\b", metrics);
            Assert.Matches("pulse_collect_events_stored_total(\\{[^}]*\\})? 3", metrics);
        }
        finally
        {
            await PulseProcess.StopAsync(server);
        }
    }

    private const string ProfiledThree = "pulse_collect_profiles_events[a-z_]*(\\{[^}]*\\})? 3\\b";
    private const string LagZero = "pulse_collect_consumer_lag[a-z_]*\\{[^}]*consumer=\"profiles\"[^}]*\\} 0";
}
