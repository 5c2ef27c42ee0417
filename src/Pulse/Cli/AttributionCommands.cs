using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pulse.Hosting;
using Pulse.Influence;
using Pulse.Influence.Attribution;

namespace Pulse.Cli;

internal static class AttributionCommands
{
    public static Command Attribution()
    {
        var cmd = new Command("attribution", "Attribution of conversions to channels, campaigns and creators under seven models.");
        var input = new Option<FileInfo>("--input")
        {
            Description = "JSON file as the API takes it ({\"models\": [\"last_click\", …], \"journeys\": [{\"path\": [\"instagram\", \"email\"], \"conversions\": 1, \"value\": 100, \"nulls\": 0}, …]}), "
                + "or a CSV of paths (path,conversions,value,nulls; touches separated by >).",
            Required = true,
        };
        var output = new Option<FileInfo?>("--output") { Description = "Write the answer's JSON here instead of standard output." };
        var models = new Option<string?>("--models") { Description = "Comma-separated models (last_click, first_click, linear, time_decay, position_based, markov, shapley); default: the JSON file's, or all seven for a CSV." };
        var analyze = new Command("analyze", "Attribute the journeys of a file under each model, as POST /api/v1/attribution/analyze does; a summary goes to standard error.") { input, output, models };
        analyze.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var file = parsed.GetValue(input)!;
            if (!file.Exists)
                throw new CliException($"{file.FullName} does not exist.", 2);
            var named = parsed.GetValue(models) is { } list ? list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList() : null;
            var text = await File.ReadAllTextAsync(file.FullName, ct);
            var (result, journeys) = AttributionInput.Analyze(text, named);
            var json = JsonSerializer.Serialize(result, new InfluenceJsonContext(new JsonSerializerOptions(InfluenceJsonContext.Default.Options) { WriteIndented = true }).AnalyzeResult);
            if (parsed.GetValue(output) is { } target)
                await File.WriteAllTextAsync(target.FullName, json + "\n", ct);
            else
                Console.Out.WriteLine(json);
            CliOutput.Info($"{result.Totals.Conversions.ToString("0.##", CultureInfo.InvariantCulture)} conversions worth {result.Totals.Value.ToString("0.##", CultureInfo.InvariantCulture)} over {journeys:N0} journeys.");
            var touches = result.Models.Values.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal)
                .OrderByDescending(t => result.Models.Values.Sum(m => m.TryGetValue(t, out var c) ? c.Conversions : 0)).Take(15).ToList();
            CliOutput.Table(["touch", .. result.Models.Keys],
                touches.Select(t => new[] { t }.Concat(result.Models.Values.Select(m => m.TryGetValue(t, out var c) ? c.Conversions.ToString("0.###", CultureInfo.InvariantCulture) : "0")).ToArray()), summary: true);
            return 0;
        }));
        cmd.Subcommands.Add(analyze);
        return cmd;
    }
}
