namespace Pulse.System.Tests;

/// <summary><c>pulse creator add|list|import</c> against a real data directory.</summary>
public sealed class CreatorCliTests
{
    [Fact]
    public async Task CreatorCommands_Add_Import_AndList_ThroughTheSameChecksAsTheApi()
    {
        var data = Directory.CreateTempSubdirectory("pulse-creators-").FullName;
        Assert.Equal(0, (await PulseProcess.RunAsync("workspace", "add", "--data", data, "--name", "Shop")).ExitCode);
        Assert.Equal(0, (await PulseProcess.RunAsync("creator", "add-group", "--data", data, "--workspace", "Shop", "--name", "Runners")).ExitCode);

        var add = await PulseProcess.RunAsync("creator", "add", "--data", data, "--workspace", "Shop", "--name", "Anna Kowalska",
            "--handle", "instagram:https://www.instagram.com/anna_fit/:120k", "--handle", "tiktok:@anna_fit", "--group", "Runners");
        Assert.True(add.ExitCode == 0, add.Stderr);
        Assert.True(Guid.TryParse(add.Stdout.Trim(), out var anna), add.Stdout);

        var link = await PulseProcess.RunAsync("link", "create", "--data", data, "--workspace", "Shop", "--url", "https://shop.example/sale", "--creator", anna.ToString(),
            "--slug", "Anna-Spring", "--campaign", "spring");
        Assert.True(link.ExitCode == 0, link.Stderr);
        Assert.Equal("/l/anna-spring", link.Stdout.Trim());
        Assert.Contains("utm_source=instagram&utm_medium=influencer&utm_campaign=spring&utm_content=anna_fit", link.Stderr, StringComparison.Ordinal);
        var badLink = await PulseProcess.RunAsync("link", "create", "--data", data, "--workspace", "Shop", "--url", "javascript:alert(1)");
        Assert.Equal(2, badLink.ExitCode);
        Assert.Contains("url", badLink.Stderr, StringComparison.Ordinal);
        var links = await PulseProcess.RunAsync("link", "list", "--data", data, "--workspace", "Shop");
        Assert.True(links.ExitCode == 0, links.Stderr);
        Assert.Contains("anna-spring", links.Stdout, StringComparison.Ordinal);
        Assert.Contains("Anna Kowalska", links.Stdout, StringComparison.Ordinal);
        Assert.Contains("(mid)", add.Stderr, StringComparison.Ordinal);

        var bad = await PulseProcess.RunAsync("creator", "add", "--data", data, "--workspace", "Shop", "--name", "X", "--handle", "instagram:anna fit");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("handles.instagram", bad.Stderr, StringComparison.Ordinal);

        var csv = Path.Combine(data, "creators.csv");
        await File.WriteAllTextAsync(csv, "name,email,youtube,youtube_followers,groups\nKuba Nowak,kuba@example.com,@KubaRuns,45000,Runners\nBroken,nope,,,\n");
        var import = await PulseProcess.RunAsync("creator", "import", "--data", data, "--workspace", "Shop", "--file", csv);
        Assert.Equal(1, import.ExitCode);
        Assert.Contains("Created 1, updated 0, refused 1 of 2 rows", import.Stderr, StringComparison.Ordinal);
        Assert.Contains("email:", import.Stderr, StringComparison.Ordinal);

        var list = await PulseProcess.RunAsync("creator", "list", "--data", data, "--workspace", "Shop", "--group", "Runners");
        Assert.True(list.ExitCode == 0, list.Stderr);
        Assert.Contains("Anna Kowalska", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("Kuba Nowak", list.Stdout, StringComparison.Ordinal);
        Assert.Contains("youtube:@kubaruns", list.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("Broken", list.Stdout, StringComparison.Ordinal);
        var micro = await PulseProcess.RunAsync("creator", "list", "--data", data, "--workspace", "Shop", "--tier", "micro");
        Assert.DoesNotContain("Anna", micro.Stdout, StringComparison.Ordinal);
        Assert.Contains("Kuba", micro.Stdout, StringComparison.Ordinal);
    }
}
