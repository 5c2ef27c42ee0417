using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Pulse.Collect;
using Pulse.Collect.Events;
using Pulse.Collect.Log;
using EventLog = Pulse.Collect.Log.EventLog;
using Pulse.Collect.Sources;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Audit;
using Pulse.Platform.Storage;

namespace Pulse.Cli;

internal static class EventCommands
{
    public static Command Events()
    {
        var cmd = new Command("events", "Stored events.");
        var ws = new Option<string>("--workspace") { Description = "Workspace name or id.", Required = true };
        var source = new Option<string>("--source") { Description = "Only this source (id or name)." };
        var from = new Option<string>("--from") { Description = "Events at or after this time (2026-11-01 or 2026-11-01T08:00:00Z)." };
        var to = new Option<string>("--to") { Description = "Events before this time." };
        var format = new Option<string>("--format") { Description = "jsonl, csv or parquet.", DefaultValueFactory = _ => "jsonl" };
        format.AcceptOnlyFromAmong("jsonl", "csv", "parquet");
        var output = new Option<string>("--output") { Description = "File to write (default: standard output)." };
        var export = new Command("export", "Write stored events in log order; works while the server runs (through it).") { ws, source, from, to, format, output };
        export.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var fmt = EventEndpoints.ParseFormat(parsed.GetValue(format));
            var fromText = parsed.GetValue(from);
            var toText = parsed.GetValue(to);
            EventEndpoints.Time("from", fromText);
            EventEndpoints.Time("to", toText);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var path = parsed.GetValue(output);
            if (path is not null && Path.GetDirectoryName(Path.GetFullPath(path)) is { } dir && !Directory.Exists(dir))
                throw new CliException($"The folder of {path} does not exist.", 2);

            await using var target = path is null ? Console.OpenStandardOutput() : new FileStream(path + ".partial", FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
            long written;
            if (cli.ServerHoldsLog)
                written = await ThroughServerAsync(cli.Data, workspace.Id, parsed.GetValue(source), fromText, toText, fmt, target, ct);
            else
            {
                var actor = Actor.Cli(workspace.Id);
                var filter = await cli.InScopeAsync<SourceService, EventFilter>(s =>
                    EventEndpoints.FilterAsync(actor, parsed.GetValue(source), null, null, fromText, toText, null, s, ct));
                var exporter = cli.Get<EventExporter>();
                var total = exporter.Count(filter);
                await using (var scope = cli.Services.CreateAsyncScope())
                {
                    await scope.ServiceProvider.GetRequiredService<AuditTrail>().RecordAsync(scope.ServiceProvider.GetRequiredService<PulseDbContext>(), actor,
                        new AuditRecord("events.exported", "events", null, null, AuditSummary.Of(new { format = fmt.ToString().ToLowerInvariant(), source = parsed.GetValue(source), from = fromText, to = toText, count = total })), ct);
                }
                var progress = new ProgressLine("Exported", total);
                written = await exporter.ExportAsync(filter, fmt, target, progress, ct);
                progress.Done(written);
            }
            if (path is not null)
            {
                await target.DisposeAsync();
                File.Move(path + ".partial", path, overwrite: true);
            }
            CliOutput.Ok($"Exported {written} event(s) as {fmt.ToString().ToLowerInvariant()}{(path is null ? "" : " to " + path)}.");
            return 0;
        }));
        cmd.Subcommands.Add(export);
        cmd.Subcommands.Add(Prune());
        cmd.Subcommands.Add(SetAside());
        return cmd;
    }

    private static Command Prune()
    {
        var dryRun = new Option<bool>("--dry-run") { Description = "Only report what would be removed." };
        var prune = new Command("prune", "Apply Collect:RetentionDays now: remove the events received before the first day kept (per source and day), or in cluster mode drop those days' partitions; through the running server when there is one.") { dryRun };
        prune.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var dry = parsed.GetValue(dryRun);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, log: true);
            // Pruning is server-wide; the local token still names a workspace, which the server ignores here.
            var report = cli.ServerHoldsLog
                ? await LocalApi.SendAsync(cli.Data, Guid.Empty, HttpMethod.Post, "/api/v1/events/prune?dryRun=" + (dry ? "true" : "false"), null,
                    CollectJsonContext.Default.ReplayRequest, CollectJsonContext.Default.PruneReport, "prune", ct)
                : await cli.InScopeAsync<LogOperations, PruneReport>(log => PruneHereAsync(log, dry, cli.Storage.IsPostgres, ct));
            CliOutput.Info(string.Create(CultureInfo.InvariantCulture,
                $"Events received before {report.Cutoff:yyyy-MM-dd} UTC are past Collect:RetentionDays={cli.Get<IOptions<CollectOptions>>().Value.RetentionDays}."));
            if (report.Partitions.Count > 0 || cli.Storage.IsPostgres)
            {
                CliOutput.Table(["partition"], report.Partitions.Select(p => new[] { p }));
                CliOutput.Ok($"{report.Partitions.Count} day partition(s) {(dry ? "would be" : "were")} dropped.");
                return 0;
            }
            CliOutput.Table(["day", "source", "events"], report.Days.Select(d => new[]
            {
                d.Day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), d.SourceId.ToString(), d.Events.ToString(CultureInfo.InvariantCulture),
            }));
            var oldest = report.OldestKept is { } t ? CliOutput.When(new DateTimeOffset(t, TimeSpan.Zero)) + " UTC" : "none";
            CliOutput.Ok($"{report.Events} event(s) {(dry ? "would be" : "were")} removed ({report.SetAside} set aside with them); oldest kept: {oldest}.");
            return 0;
        }));
        return prune;
    }

    /// <summary>With the log opened here: a dry run first, so that the removal can show its progress against the total.</summary>
    private static async Task<PruneReport> PruneHereAsync(LogOperations log, bool dry, bool cluster, CancellationToken ct)
    {
        var actor = Actor.Cli(Guid.Empty);
        if (dry || cluster)
            return await log.PruneAsync(actor, dry, null, ct);
        var planned = await log.PruneAsync(actor, dryRun: true, null, ct);
        var progress = new ProgressLine("Pruned", planned.Events);
        var done = await log.PruneAsync(actor, dryRun: false, progress, ct);
        progress.Done(done.Events);
        return done;
    }

    private static Command SetAside()
    {
        var ws = new Option<string>("--workspace") { Description = "Workspace name or id.", Required = true };
        var replay = new Option<bool>("--replay") { Description = "Try them again: those the store now takes go into the log." };
        var setAside = new Command("set-aside", "Events the store refused and set aside, with their errors; --replay tries them again (through the running server when there is one).") { ws, replay };
        setAside.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, log: true);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            IReadOnlyList<SetAsideDto> rows;
            SetAsideReplayResult? result = null;
            if (cli.ServerHoldsLog)
            {
                if (parsed.GetValue(replay))
                    result = await LocalApi.SendAsync(cli.Data, workspace.Id, HttpMethod.Post, "/api/v1/events/set-aside/replay", null,
                        CollectJsonContext.Default.ReplayRequest, CollectJsonContext.Default.SetAsideReplayResult, "replay", ct);
                rows = await LocalApi.SendAsync(cli.Data, workspace.Id, HttpMethod.Get, "/api/v1/events/set-aside", null,
                    CollectJsonContext.Default.ReplayRequest, CollectJsonContext.Default.IReadOnlyListSetAsideDto, "listing", ct);
            }
            else
            {
                var actor = Actor.Cli(workspace.Id);
                if (parsed.GetValue(replay))
                {
                    result = await cli.InScopeAsync<LogOperations, SetAsideReplayResult>(log => log.ReplaySetAsideAsync(actor, null, ct));
                    await cli.Get<EventLog>().CaughtUpAsync(TimeSpan.FromMinutes(1), ct);
                }
                rows = await cli.InScopeAsync<LogOperations, IReadOnlyList<SetAsideDto>>(log => Task.FromResult(log.SetAside(actor, 1000)));
            }
            CliOutput.Table(["seq", "source", "message", "received", "set aside", "attempts", "error"], rows.Select(r => new[]
            {
                r.Seq.ToString(CultureInfo.InvariantCulture), r.SourceId?.ToString(), r.MessageId,
                r.ReceivedAt is { } t ? CliOutput.When(new DateTimeOffset(t, TimeSpan.Zero)) : "", CliOutput.When(new DateTimeOffset(r.SetAsideAt, TimeSpan.Zero)),
                r.Attempts.ToString(CultureInfo.InvariantCulture), r.Error,
            }));
            if (result is not null)
                CliOutput.Ok($"{result.Replayed} replayed into the log ({result.Duplicates} already there), {result.StillFailing} still failing.");
            return 0;
        }));
        return setAside;
    }

    /// <summary>The server holds the event log open; ask it for the export with the local admin token.</summary>
    private static async Task<long> ThroughServerAsync(DataDirectory data, Guid workspace, string? source, string? from, string? to, ExportFormat format, Stream target, CancellationToken ct)
    {
        var token = LocalAdminToken.Read(data) ?? throw new CliException($"A server runs on {data.Path} but published no {LocalAdminToken.FileName}; restart it with this version of Pulse.");
        var baseUrl = ServerLock.LocalAddress(data);
        var query = new List<string> { "format=" + format.ToString().ToLowerInvariant() };
        if (source is not null) query.Add("source=" + Uri.EscapeDataString(source));
        if (from is not null) query.Add("from=" + Uri.EscapeDataString(from));
        if (to is not null) query.Add("to=" + Uri.EscapeDataString(to));
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = Timeout.InfiniteTimeSpan };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/v1/events/export?" + string.Join('&', query));
        request.Headers.Authorization = new AuthenticationHeaderValue(LocalAdminToken.Scheme, token);
        request.Headers.Add(LocalAdminToken.WorkspaceHeader, workspace.ToString());
        request.Headers.Add(LocalAdminToken.UserHeader, Environment.UserName);
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(ct);
            string? detail = null;
            try
            {
                using var doc = JsonDocument.Parse(body);
                detail = doc.RootElement.TryGetProperty("detail", out var d) ? d.GetString() : null;
                if (doc.RootElement.TryGetProperty("errors", out var errors))
                    detail = string.Join(" ", errors.EnumerateObject().SelectMany(e => e.Value.EnumerateArray().Select(v => v.GetString())));
            }
            catch (JsonException)
            {
                // Not a problem document; the status says enough.
            }
            throw new CliException($"The server refused the export ({(int)response.StatusCode}): {detail ?? response.ReasonPhrase}", (int)response.StatusCode is 400 ? 2 : 1);
        }
        var total = response.Headers.TryGetValues(EventEndpoints.ExportCountHeader, out var v) && long.TryParse(v.First(), CultureInfo.InvariantCulture, out var t) ? t : 0;
        var progress = new ProgressLine("Exported", total);
        await using var body2 = await response.Content.ReadAsStreamAsync(ct);
        var buffer = new byte[1 << 16];
        long lines = 0;
        int n;
        while ((n = await body2.ReadAsync(buffer, ct)) > 0)
        {
            await target.WriteAsync(buffer.AsMemory(0, n), ct);
            if (format != ExportFormat.Parquet)
            {
                lines += buffer.AsSpan(0, n).Count((byte)'\n');
                progress.Report(format == ExportFormat.Csv ? Math.Max(0, lines - 1) : lines);
            }
        }
        await target.FlushAsync(ct);
        progress.Done(total);
        return total;
    }
}
