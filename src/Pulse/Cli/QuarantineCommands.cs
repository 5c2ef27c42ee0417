using System.CommandLine;
using Pulse.Collect;
using Pulse.Collect.Quarantine;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Cli;

internal static class QuarantineCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command Quarantine()
    {
        var cmd = new Command("quarantine", "Messages kept out of the event log (blocked by a plan, or refused by the checks).");

        var ws = WorkspaceOption();
        var source = new Option<string>("--source") { Description = "Only this source (id or name)." };
        var status = new Option<string>("--status") { Description = "pending or replayed (default: pending).", DefaultValueFactory = _ => "pending" };
        status.AcceptOnlyFromAmong("pending", "replayed");
        var limit = new Option<int>("--limit") { Description = "At most this many, newest first.", DefaultValueFactory = _ => 100 };
        var list = new Command("list", "List quarantined messages with their reason.") { ws, source, status, limit };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var actor = Actor.Cli(workspace.Id);
            var rows = new List<QuarantineDto>();
            var max = Math.Max(1, parsed.GetValue(limit));
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<QuarantineService, Page<QuarantineDto>>(s => s.ListAsync(actor, parsed.GetValue(source), parsed.GetValue(status), null, null,
                    new PageRequest(cursor, Math.Min(PageRequest.MaxLimit, max - rows.Count)), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null && rows.Count < max);
            CliOutput.Table(["id", "received", "kind", "type", "event", "who", "plan", "reason"],
                rows.Select(q => new[]
                {
                    q.Id.ToString(), CliOutput.When(q.ReceivedAt), q.Kind, q.Type, q.Event, q.UserId ?? q.AnonymousId, q.PlanVersion,
                    string.Join("; ", q.Reason.Select(r => $"{r.Type} {r.Path}: {r.Message}")),
                }));
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var id = new Option<Guid?>("--id") { Description = "One message by id." };
        var source2 = new Option<string>("--source") { Description = "Every pending message of this source (id or name)." };
        var @event = new Option<string>("--event") { Description = "With --source: only this event name." };
        var replay = new Command("replay", "Check pending messages against the current plan; those that pass go into the event log (through the server when it runs).") { ws2, id, source2, @event };
        replay.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var request = new ReplayRequest(parsed.GetValue(id), parsed.GetValue(source2), parsed.GetValue(@event));
            if (request.Id is null && request.Source is null)
                throw new CliException("Give --id or --source.", 2);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct, log: true);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            // With no server, the context holds the log open for the command.
            var result = cli.ServerHoldsLog
                ? await ThroughServerAsync(cli.Data, workspace.Id, request, ct)
                : await cli.InScopeAsync<QuarantineService, ReplayResult>(s => s.ReplayAsync(Actor.Cli(workspace.Id), request, ct));
            CliOutput.Ok($"{result.Replayed} replayed into the log ({result.Duplicates} already there), {result.StillFailing} still failing.");
            return 0;
        }));

        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(replay);
        return cmd;
    }

    /// <summary>The server holds the event log; ask it to replay, with the local admin token.</summary>
    private static Task<ReplayResult> ThroughServerAsync(DataDirectory data, Guid workspace, ReplayRequest body, CancellationToken ct) =>
        LocalApi.SendAsync(data, workspace, HttpMethod.Post, "/api/v1/quarantine/replay", body, CollectJsonContext.Default.ReplayRequest,
            CollectJsonContext.Default.ReplayResult, "replay", ct);
}
