using System.CommandLine;
using Pulse.Destinations;
using Pulse.Hosting;
using Pulse.Destinations.Delivery;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;
using Spectre.Console;

namespace Pulse.Cli;

/// <summary>
/// Deliveries from the shell: <c>pulse destination deliveries|dead-letters|redrive|test</c> and
/// <c>pulse replay</c>. When a server runs on the embedded data directory (it holds the event log)
/// the commands go through its API; otherwise they open the log themselves. Deliveries themselves
/// are always made by the server.
/// </summary>
internal static class DeliveryCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    private static Argument<Guid> IdArgument() => new("id") { Description = "The destination's id." };

    public static void AddTo(Command destination)
    {
        var ws = WorkspaceOption();
        var id = IdArgument();
        var messageId = new Option<string>("--message-id") { Description = "Only the requests that carried this event." };
        var outcome = new Option<string>("--outcome") { Description = "delivered, failed or rejected." };
        var limit = new Option<int>("--limit") { Description = "How many requests, newest first (1 to 200).", DefaultValueFactory = _ => 50 };
        var deliveries = new Command("deliveries", "The delivery log: each request with its events, status, latency and the platform's answer.") { ws, id, messageId, outcome, limit };
        deliveries.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var path = $"/api/v1/destinations/{parsed.GetValue(id)}/deliveries?limit={parsed.GetValue(limit)}"
                + (parsed.GetValue(messageId) is { } m ? "&messageId=" + Uri.EscapeDataString(m) : "")
                + (parsed.GetValue(outcome) is { } o ? "&outcome=" + Uri.EscapeDataString(o) : "");
            var page = await RunAsync(parsed, parsed.GetValue(ws)!, ct,
                (s, actor) => s.DeliveriesAsync(actor, parsed.GetValue(id), parsed.GetValue(messageId), parsed.GetValue(outcome), PageRequest.Create(null, parsed.GetValue(limit)), ct),
                (data, workspace) => LocalApi.SendAsync(data, workspace, HttpMethod.Get, path, null, DestinationsJsonContext.Default.RedriveRequest,
                    DestinationsJsonContext.Default.PageDeliveryAttemptDto, "delivery log", ct));
            CliOutput.Table(["at", "kind", "try", "events", "outcome", "status", "ms", "answer"], page.Items.Select(a => new[]
            {
                CliOutput.When(a.At), a.Kind, a.Attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), a.Events.ToString(System.Globalization.CultureInfo.InvariantCulture),
                a.Outcome, a.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-", a.LatencyMs.ToString(System.Globalization.CultureInfo.InvariantCulture), Short(a.Response),
            }));
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var id2 = IdArgument();
        var state = new Option<string>("--state") { Description = "dead (default), queued or redelivered.", DefaultValueFactory = _ => "dead" };
        var dead = new Command("dead-letters", "Events the destination could not take, with the reason.") { ws2, id2, state };
        dead.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var page = await RunAsync(parsed, parsed.GetValue(ws2)!, ct,
                (s, actor) => s.DeadLettersAsync(actor, parsed.GetValue(id2), parsed.GetValue(state), null, PageRequest.Create(null, PageRequest.MaxLimit), ct),
                (data, workspace) => LocalApi.SendAsync(data, workspace, HttpMethod.Get, $"/api/v1/destinations/{parsed.GetValue(id2)}/dead-letters?state={Uri.EscapeDataString(parsed.GetValue(state)!)}&limit={PageRequest.MaxLimit}",
                    null, DestinationsJsonContext.Default.RedriveRequest, DestinationsJsonContext.Default.PageDeadLetterDto, "dead-letter list", ct));
            CliOutput.Table(["id", "dead at", "message id", "event", "state", "reason"], page.Items.Select(d => new[]
            {
                d.Id.ToString(), CliOutput.When(d.DeadAt), d.MessageId, d.Event, d.State, Short(d.Reason),
            }));
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var id3 = IdArgument();
        var ids = new Option<Guid[]>("--dead-letter") { Description = "A dead letter's id; repeat for more." };
        var all = new Option<bool>("--all") { Description = "Every dead letter of the destination (narrow with --event)." };
        var eventName = new Option<string>("--event") { Description = "With --all: only dead letters of this event." };
        var redrive = new Command("redrive", "Send dead letters again (the server sends them).") { ws3, id3, ids, all, eventName };
        redrive.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var body = new RedriveRequest(parsed.GetValue(ids) is { Length: > 0 } list ? list : null, parsed.GetValue(all) ? true : null, parsed.GetValue(eventName), null, null);
            var result = await RunAsync(parsed, parsed.GetValue(ws3)!, ct,
                (s, actor) => s.RedriveAsync(actor, parsed.GetValue(id3), body, ct),
                (data, workspace) => LocalApi.SendAsync(data, workspace, HttpMethod.Post, $"/api/v1/destinations/{parsed.GetValue(id3)}/dead-letters/redrive", body,
                    DestinationsJsonContext.Default.RedriveRequest, DestinationsJsonContext.Default.RedriveResult, "redrive", ct));
            CliOutput.Ok($"{result.Queued} dead letters queued to be sent again.");
            return 0;
        }));

        var ws4 = WorkspaceOption();
        var id4 = IdArgument();
        var test = new Command("test", "Send one sample event to the destination now and show the platform's answer (exit 1 unless delivered).") { ws4, id4 };
        test.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var result = await RunAsync(parsed, parsed.GetValue(ws4)!, ct,
                (s, actor) => s.TestAsync(actor, parsed.GetValue(id4), ct),
                (data, workspace) => LocalApi.SendAsync(data, workspace, HttpMethod.Post, $"/api/v1/destinations/{parsed.GetValue(id4)}/test", null,
                    DestinationsJsonContext.Default.RedriveRequest, DestinationsJsonContext.Default.TestEventResult, "test event", ct));
            CliOutput.Info($"{result.Outcome}{(result.Status is { } st ? $" (HTTP {st})" : "")} in {result.LatencyMs} ms, event {result.MessageId}: {result.Response}");
            return result.Outcome == "delivered" ? 0 : 1;
        }));

        destination.Subcommands.Add(deliveries);
        destination.Subcommands.Add(dead);
        destination.Subcommands.Add(redrive);
        destination.Subcommands.Add(test);
    }

    public static Command Replay()
    {
        var ws = WorkspaceOption();
        var destination = new Option<Guid>("--destination") { Description = "The destination's id.", Required = true };
        var from = new Option<DateTimeOffset>("--from") { Description = "Replay events received from this instant (ISO 8601).", Required = true };
        var to = new Option<DateTimeOffset?>("--to") { Description = "… up to this instant (default: now)." };
        var wait = new Option<bool>("--wait") { Description = "Show the replay's progress until it is done (needs the server running)." };
        var cmd = new Command("replay", "Replay events of the log received in a time range into a destination (back-fill a new destination).") { ws, destination, from, to, wait };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var body = new ReplayRequest(parsed.GetValue(from), parsed.GetValue(to));
            var id = parsed.GetValue(destination);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, log: true);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var replay = await RunAsync(cli, workspace.Id, ct,
                (s, actor) => s.ReplayAsync(actor, id, body, ct),
                data => LocalApi.SendAsync(data, workspace.Id, HttpMethod.Post, $"/api/v1/destinations/{id}/replays", body,
                    DestinationsJsonContext.Default.ReplayRequest, DestinationsJsonContext.Default.LogReplayDto, "replay", ct));
            CliOutput.Info($"Replay {replay.Id} queued: log positions {replay.FirstSeq} to {replay.LastSeq} (events received {replay.From:u} to {replay.To:u}).");
            if (!parsed.GetValue(wait))
            {
                CliOutput.Secret(replay.Id.ToString());
                return 0;
            }
            if (!cli.Storage.IsPostgres && !cli.ServerHoldsLog)
                throw new CliException("No server runs on this data directory: the replay is queued and runs when 'pulse serve' starts. Leave out --wait.", 1);
            LogReplayDto last = replay;
            await CliContext.Messages.Progress()
                .AutoClear(false)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
                .StartAsync(async p =>
                {
                    var task = p.AddTask("Replaying", maxValue: 1000);
                    while (last.State is "queued" or "running")
                    {
                        await Task.Delay(500, ct);
                        var list = await RunAsync(cli, workspace.Id, ct, (s, actor) => s.ReplaysAsync(actor, id, ct),
                            data => LocalApi.SendAsync(data, workspace.Id, HttpMethod.Get, $"/api/v1/destinations/{id}/replays", null,
                                DestinationsJsonContext.Default.RedriveRequest, DestinationsJsonContext.Default.IReadOnlyListLogReplayDto, "replay list", ct));
                        last = list.FirstOrDefault(r => r.Id == replay.Id) ?? last;
                        task.Value = last.Progress * 1000;
                        task.Description = $"Replaying: {last.Sent} sent, {last.Dead} dead-lettered";
                    }
                    task.Value = 1000;
                });
            CliOutput.Ok($"Replay {last.State}: {last.Sent} events sent, {last.Dead} dead-lettered.");
            CliOutput.Secret(replay.Id.ToString());
            return last.State == "done" ? 0 : 1;
        }));
        return cmd;
    }

    private static async Task<T> RunAsync<T>(ParseResult parsed, string workspaceName, CancellationToken ct,
        Func<DeliveryService, Actor, Task<T>> here, Func<DataDirectory, Guid, Task<T>> viaServer)
    {
        await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, log: true);
        var workspace = await cli.WorkspaceAsync(workspaceName, ct);
        return await RunAsync(cli, workspace.Id, ct, here, data => viaServer(data, workspace.Id));
    }

    /// <summary>Through the server when it holds the log; otherwise here, with the log the context opened for the command.</summary>
    private static Task<T> RunAsync<T>(CliContext cli, Guid workspace, CancellationToken ct, Func<DeliveryService, Actor, Task<T>> here, Func<DataDirectory, Task<T>> viaServer) =>
        cli.ServerHoldsLog
            ? viaServer(cli.Data)
            : cli.InScopeAsync<DeliveryService, T>(s => here(s, Actor.Cli(workspace)));

    private static string Short(string? text) => text is null ? "" : text.Length <= 80 ? text.ReplaceLineEndings(" ") : text[..80].ReplaceLineEndings(" ") + "…";
}
