namespace Pulse.System.Tests;

/// <summary><c>pulse alert webhook</c> from a shell keeps to the same target rule as the API.</summary>
public sealed class AlertCliTests
{
    [Fact]
    public async Task AlertWebhook_RefusesAPrivateTarget_Exit2NamingTheSetting_UnlessTheOperatorAllowsIt()
    {
        var data = Directory.CreateTempSubdirectory("pulse-alert-cli-").FullName;
        try
        {
            string[] at = ["alert", "webhook", "--data", data, "--workspace", "Shop"];
            Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);

            var refused = await PulseProcess.RunAsync([.. at, "--url", "http://0x7f000001:9000/hook"]);
            Assert.Equal(2, refused.ExitCode);
            Assert.Contains("webhookUrl", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("127.0.0.1", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("Security:AllowPrivateNetworkTargets", refused.Stderr, StringComparison.Ordinal);
            var shown = await PulseProcess.RunAsync(at);
            Assert.True(shown.ExitCode == 0, shown.Stderr);
            Assert.Contains("has no alert webhook", shown.Stderr, StringComparison.Ordinal);

            var allowed = await PulseProcess.RunWithAsync(new Dictionary<string, string> { ["PULSE_Security__AllowPrivateNetworkTargets"] = "true" },
                [.. at, "--url", "http://127.0.0.1:9000/hook"]);
            Assert.True(allowed.ExitCode == 0, allowed.Stderr);
            Assert.Contains("go to http://127.0.0.1:9000/hook", allowed.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
