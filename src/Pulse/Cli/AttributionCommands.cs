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
        cmd.Subcommands.Add(Report());
        return cmd;
    }

    private static Command Report()
    {
        var ws = new Option<string>("--workspace") { Description = "Workspace name or id.", Required = true };
        var level = new Option<string>("--level") { Description = "channel (default), campaign or creator.", DefaultValueFactory = _ => "channel" };
        var from = new Option<DateTimeOffset?>("--from") { Description = "Conversions from (ISO 8601; default 30 days before --to)." };
        var to = new Option<DateTimeOffset?>("--to") { Description = "Conversions before (ISO 8601; default now)." };
        var models = new Option<string?>("--models") { Description = "Comma-separated models; default all seven." };
        var lookback = new Option<int?>("--lookback-days") { Description = "How far before a conversion its touches count (1–365; default 30)." };
        var json = new Option<bool>("--json") { Description = "Print the answer's JSON instead of a table." };
        var report = new Command("report", "Attribute the workspace's recorded conversions over the journeys on the event log, as GET /api/v1/attribution/report does.")
            { ws, level, from, to, models, lookback, json };
        report.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var request = new AttributionReportRequest(AttributionEndpoints.ParseLevel(parsed.GetValue(level)), parsed.GetValue(from), parsed.GetValue(to),
                parsed.GetValue(models)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), parsed.GetValue(lookback));
            CliOutput.Info("Reading journeys from the event log …");
            AttributionReportDto result;
            if (cli.ServerHoldsLog)
            {
                // The embedded log is the running server's; it answers.
                var query = $"/api/v1/attribution/report?level={request.Level.ToString().ToLowerInvariant()}"
                    + (request.From is { } f ? "&from=" + Uri.EscapeDataString(f.ToString("O", CultureInfo.InvariantCulture)) : "")
                    + (request.To is { } t ? "&to=" + Uri.EscapeDataString(t.ToString("O", CultureInfo.InvariantCulture)) : "")
                    + (request.Models is { } m ? "&models=" + Uri.EscapeDataString(string.Join(',', m)) : "")
                    + (request.LookbackDays is { } l ? "&lookbackDays=" + l.ToString(CultureInfo.InvariantCulture) : "");
                result = await LocalApi.SendAsync<object, AttributionReportDto>(cli.Data, workspace.Id, HttpMethod.Get, query, null, null!,
                    InfluenceJsonContext.Default.AttributionReportDto, "reading the attribution report", ct);
            }
            else
                result = await cli.InScopeAsync<AttributionReport, AttributionReportDto>(s => s.RunAsync(Platform.Access.Actor.Cli(workspace.Id), request, ct));
            if (parsed.GetValue(json))
            {
                Console.Out.WriteLine(JsonSerializer.Serialize(result, new InfluenceJsonContext(new JsonSerializerOptions(InfluenceJsonContext.Default.Options) { WriteIndented = true }).AttributionReportDto));
                return 0;
            }
            CliOutput.Info($"{result.Totals.Conversions.ToString("N0", CultureInfo.InvariantCulture)} conversions worth {result.Totals.Value.ToString("N2", CultureInfo.InvariantCulture)} {result.Currency} "
                + $"from {result.From:yyyy-MM-dd} to {result.To:yyyy-MM-dd}; {result.NotConverted:N0} paths did not convert; {result.WithoutTouches:N0} conversions had no touch (direct).");
            foreach (var note in result.Notes)
                CliOutput.Info(note);
            var keys = result.Models.Values.SelectMany(m => m.Keys).Distinct(StringComparer.Ordinal)
                .OrderByDescending(k => result.Models.Values.Sum(m => m.TryGetValue(k, out var c) ? c.Conversions : 0)).Take(25).ToList();
            CliOutput.Table([result.Level, .. result.Models.Keys],
                keys.Select(k => new[] { result.Labels.TryGetValue(k, out var name) ? name : k }
                    .Concat(result.Models.Values.Select(m => m.TryGetValue(k, out var c) ? c.Conversions.ToString("0.##", CultureInfo.InvariantCulture) : "0")).ToArray()), summary: true);
            return 0;
        }));
        return report;
    }
}
