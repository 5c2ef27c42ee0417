using System.Text.Json;

namespace Pulse.System.Tests;

public sealed class AttributionCliTests
{
    [Fact]
    public async Task AttributionAnalyze_PrintsTheApisAnswer_ForAFileOfJourneys()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("pulse-attribution-").FullName, "journeys.json");
        await File.WriteAllTextAsync(file, """
            {"models": ["last_click", "markov", "shapley"],
             "journeys": [{"path": ["google ads"], "conversions": 2, "value": 200, "nulls": 0},
                          {"path": ["mailing"], "conversions": 1, "value": 50, "nulls": 0},
                          {"path": ["google ads", "mailing"], "conversions": 1, "value": 80, "nulls": 0},
                          {"path": ["google ads"], "conversions": 0, "nulls": 1}]}
            """);
        var r = await PulseProcess.RunAsync("attribution", "analyze", "--input", file);
        Assert.True(r.ExitCode == 0, r.Stderr);
        var models = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("models");
        Assert.Equal(2.4, models.GetProperty("markov").GetProperty("google ads").GetProperty("conversions").GetDouble(), 6);
        Assert.Equal(2, models.GetProperty("last_click").GetProperty("mailing").GetProperty("conversions").GetDouble());
        Assert.Contains("4 conversions worth 330", r.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttributionAnalyze_TakesACsvOfPaths_AndTheModelsNamed()
    {
        var file = Path.Combine(Directory.CreateTempSubdirectory("pulse-attribution-").FullName, "paths.csv");
        await File.WriteAllTextAsync(file, "path,conversions,value,nulls\ngoogle ads,2,200,1\nmailing,1,50,0\ngoogle ads > mailing,1,80,0\n");
        var r = await PulseProcess.RunAsync("attribution", "analyze", "--input", file, "--models", "markov,first_click");
        Assert.True(r.ExitCode == 0, r.Stderr);
        var models = JsonDocument.Parse(r.Stdout).RootElement.GetProperty("models");
        Assert.Equal(["markov", "first_click"], models.EnumerateObject().Select(m => m.Name));
        Assert.Equal(1.6, models.GetProperty("markov").GetProperty("mailing").GetProperty("conversions").GetDouble(), 6);
        Assert.Contains("over 3 journeys", r.Stderr, StringComparison.Ordinal);

        await File.WriteAllTextAsync(file, "path,conversions\ninstagram,lots\n");
        var bad = await PulseProcess.RunAsync("attribution", "analyze", "--input", file);
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("row 2.conversions", bad.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AttributionAnalyze_Exits2_NamingWhatIsWrongWithTheFile()
    {
        var dir = Directory.CreateTempSubdirectory("pulse-attribution-").FullName;
        var bad = Path.Combine(dir, "bad.json");
        await File.WriteAllTextAsync(bad, """{"models": ["last_touch"], "journeys": [{"path": ["a"], "conversions": -1}]}""");
        var r = await PulseProcess.RunAsync("attribution", "analyze", "--input", bad);
        Assert.Equal(2, r.ExitCode);
        Assert.Contains("models[0]", r.Stderr, StringComparison.Ordinal);
        Assert.Contains("journeys[0].conversions", r.Stderr, StringComparison.Ordinal);
        Assert.Equal("", r.Stdout.Trim());

        var missing = await PulseProcess.RunAsync("attribution", "analyze", "--input", Path.Combine(dir, "none.json"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("does not exist", missing.Stderr, StringComparison.Ordinal);
    }
}
