namespace Pulse.System.Tests.Bugs;

/// <summary>'pulse migrate' opened its context with migrations already applied, so it always said "up to date".</summary>
public sealed class Issue_migrate_reported_nothing
{
    [Fact]
    public async Task Migrate_ReportsWhatItApplied_ThenThatTheSchemaIsCurrent()
    {
        var data = Directory.CreateTempSubdirectory("pulse-migrate-").FullName;
        var first = await PulseProcess.RunAsync("migrate", "--data", data);
        Assert.Equal(0, first.ExitCode);
        Assert.Contains("Applied", first.Stderr);
        Assert.Contains("Initial", first.Stderr);
        var second = await PulseProcess.RunAsync("migrate", "--data", data);
        Assert.Equal(0, second.ExitCode);
        Assert.Contains("up to date", second.Stderr);
    }
}
