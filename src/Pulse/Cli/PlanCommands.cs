using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pulse.Collect;
using Pulse.Collect.Plans;
using Pulse.Hosting;
using Pulse.Platform.Access;

namespace Pulse.Cli;

internal static class PlanCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    private static Argument<string> SourceArgument() => new("source") { Description = "The source's id or name." };

    public static Command Plan()
    {
        var cmd = new Command("plan", "Tracking plans of sources: mode, versions, definitions. A running server picks changes up within seconds.");

        var ws = WorkspaceOption();
        var source = SourceArgument();
        var show = new Command("show", "Print the plan's mode and versions; the current definitions go to standard output as JSON.") { ws, source };
        show.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var actor = Actor.Cli(workspace.Id);
            var name = parsed.GetValue(source)!;
            var plan = await cli.InScopeAsync<TrackingPlanService, TrackingPlanDto>(s => s.GetAsync(actor, name, ct));
            CliOutput.Info($"Plan of '{plan.Source}': mode {Mode(plan.Mode)}, unplanned track events {(plan.AllowUnplannedEvents ? "allowed" : "are violations")}, version {plan.CurrentVersion ?? "none yet"}.");
            if (plan.CurrentVersion is null)
                return 0;
            var versions = await cli.InScopeAsync<TrackingPlanService, IReadOnlyList<PlanVersionSummary>>(s => s.VersionsAsync(actor, name, ct));
            CliOutput.Table(["version", "published", "by", "definitions"],
                versions.Select(v => new[] { v.Version, CliOutput.When(v.PublishedAt), v.PublishedBy, v.Definitions.ToString(CultureInfo.InvariantCulture) }));
            var current = await cli.InScopeAsync<TrackingPlanService, PlanVersionDto>(s => s.VersionAsync(actor, name, "current", ct));
            Console.Out.WriteLine(JsonSerializer.Serialize(current.Definitions, CollectJsonContext.Default.PlanDefinitions));
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var source2 = SourceArgument();
        var mode = new Option<string>("--mode") { Description = "allow (record violations), omit (also drop unplanned properties) or block (quarantine breaking events).", Required = true };
        mode.AcceptOnlyFromAmong("allow", "omit", "block");
        var unplanned = new Option<bool?>("--allow-unplanned") { Description = "true to let track events the plan does not name through without a violation." };
        var setMode = new Command("set-mode", "Create the source's plan or change its mode.") { ws2, source2, mode, unplanned };
        setMode.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var request = new UpdatePlanRequest(Enum.Parse<PlanMode>(parsed.GetValue(mode)!, ignoreCase: true), parsed.GetValue(unplanned));
            var plan = await cli.InScopeAsync<TrackingPlanService, TrackingPlanDto>(s => s.SetAsync(Actor.Cli(workspace.Id), parsed.GetValue(source2)!, request, ct));
            CliOutput.Ok($"The plan of '{plan.Source}' is in {Mode(plan.Mode)} mode.");
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var source3 = SourceArgument();
        var file = new Option<FileInfo>("--file") { Description = "JSON file with the definitions ({\"track\": {…}, \"identify\": …}) or a whole publish request ({\"definitions\": …, \"bump\": …}).", Required = true };
        var version = new Option<string>("--version") { Description = "The new version, MODEL-REVISION-ADDITION (above the newest)." };
        var bump = new Option<string>("--bump") { Description = "Or: which part to raise (addition, revision, model)." };
        bump.AcceptOnlyFromAmong("addition", "revision", "model");
        var publish = new Command("publish", "Publish a new plan version; it is in force at once.") { ws3, source3, file, version, bump };
        publish.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var path = parsed.GetValue(file)!;
            if (!path.Exists)
                throw new CliException($"{path.FullName} does not exist.", 2);
            var request = Read(await File.ReadAllTextAsync(path.FullName, ct));
            request = request with { Version = parsed.GetValue(version) ?? request.Version, Bump = parsed.GetValue(bump) ?? request.Bump };
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var published = await cli.InScopeAsync<TrackingPlanService, PlanVersionDto>(s => s.PublishAsync(Actor.Cli(workspace.Id), parsed.GetValue(source3)!, request, ct));
            CliOutput.Ok($"Published version {published.Version}.");
            return 0;
        }));

        cmd.Subcommands.Add(show);
        cmd.Subcommands.Add(setMode);
        cmd.Subcommands.Add(publish);
        return cmd;
    }

    private static PublishVersionRequest Read(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("definitions", out _)
                ? JsonSerializer.Deserialize(doc.RootElement, CollectJsonContext.Default.PublishVersionRequest)!
                : new PublishVersionRequest(JsonSerializer.Deserialize(doc.RootElement, CollectJsonContext.Default.PlanDefinitions));
        }
        catch (JsonException e)
        {
            throw new CliException("The file is not a plan: " + e.Message, 2);
        }
    }

    private static string Mode(PlanMode mode) => mode.ToString().ToLowerInvariant();
}
