using System.Text.Json;

namespace Pulse.System.Tests.Destinations;

/// <summary><c>pulse destination …</c> from a shell: the same checks and secrecy as the API.</summary>
public sealed class DestinationCliTests
{
    [Fact]
    public async Task CreateListUpdateDelete_WithSecretsMasked_AndBadConfigsExit2NamingTheField()
    {
        var data = Directory.CreateTempSubdirectory("pulse-dest-cli-").FullName;
        try
        {
            string[] at = ["--data", data, "--workspace", "Shop"];
            Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
            Assert.Equal(0, (await PulseProcess.RunAsync([.. at[..2], "source", "create", "--workspace", "Shop", "--name", "Web"])).ExitCode);

            var file = Path.Combine(data, "meta.json");
            await File.WriteAllTextAsync(file, """{"pixelId":"123456789012345","accessToken":"EAAtoken-secret-4321"}""");
            var create = await PulseProcess.RunAsync(["destination", "create", .. at, "--type", "meta", "--name", "Meta ads", "--source", "Web", "--event", "Order Completed", "--config-file", file]);
            Assert.True(create.ExitCode == 0, create.Stderr);
            var id = Guid.Parse(create.Stdout.Trim());

            var list = await PulseProcess.RunAsync(["destination", "list", .. at]);
            Assert.Equal(0, list.ExitCode);
            Assert.Contains("Meta ads", list.Stdout, StringComparison.Ordinal);
            Assert.Contains("••••4321", list.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain("EAAtoken-secret-4321", list.Stdout + list.Stderr, StringComparison.Ordinal);

            var update = await PulseProcess.RunAsync(["destination", "update", .. at, id.ToString(), "--enabled", "false", "--config", """{"pixelId":"987654321"}"""]);
            Assert.True(update.ExitCode == 0, update.Stderr);
            list = await PulseProcess.RunAsync(["destination", "list", .. at]);
            Assert.Contains("987654321", list.Stdout, StringComparison.Ordinal);
            Assert.Contains("••••4321", list.Stdout, StringComparison.Ordinal); // the token was kept

            var webhook = await PulseProcess.RunAsync(["destination", "create", .. at, "--type", "webhook", "--name", "Hook", "--source", "Web", "--config", """{"url":"http://10.0.0.8/in"}"""]);
            Assert.Equal(2, webhook.ExitCode);
            Assert.Contains("config.url", webhook.Stderr, StringComparison.Ordinal);
            Assert.Contains("AllowPrivateNetworkTargets", webhook.Stderr, StringComparison.Ordinal);
            var badJson = await PulseProcess.RunAsync(["destination", "create", .. at, "--type", "ga4", "--name", "GA", "--source", "Web", "--config", "{nope"]);
            Assert.Equal(2, badJson.ExitCode);
            Assert.Contains("The config is not valid JSON", badJson.Stderr, StringComparison.Ordinal);
            var signed = await PulseProcess.RunAsync(["destination", "create", .. at, "--type", "webhook", "--name", "Hook", "--source", "Web", "--config", """{"url":"https://hooks.example.com/in"}"""]);
            Assert.True(signed.ExitCode == 0, signed.Stderr);
            Assert.Contains("Signing secret (shown only now): whsec_", signed.Stderr, StringComparison.Ordinal);

            Assert.Equal(0, (await PulseProcess.RunAsync(["destination", "delete", .. at, id.ToString()])).ExitCode);
            var again = await PulseProcess.RunAsync(["destination", "delete", .. at, id.ToString()]);
            Assert.Equal(1, again.ExitCode);
            Assert.DoesNotContain("Meta ads", (await PulseProcess.RunAsync(["destination", "list", .. at])).Stdout, StringComparison.Ordinal);

            var audit = await PulseProcess.RunAsync("audit", "verify", "--data", data);
            Assert.Equal(0, audit.ExitCode);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
