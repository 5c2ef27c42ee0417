using Pulse.Platform.Access;
using Pulse.Platform.Alerts;
using Pulse.Platform.Paging;
using System.CommandLine;

namespace Pulse.Cli;

internal static class AlertCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command Alert()
    {
        var cmd = new Command("alert", "See and acknowledge a workspace's alerts; set its alert webhook.");

        var ws = WorkspaceOption();
        var all = new Option<bool>("--all") { Description = "Cleared alerts too, not only open ones." };
        var list = new Command("list", "List alerts, newest first.") { ws, all };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var state = parsed.GetValue(all) ? AlertService.StateAll : AlertService.StateOpen;
            var page = await cli.InScopeAsync<AlertService, Page<AlertDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), state, new PageRequest(null, PageRequest.MaxLimit), ct));
            CliOutput.Table(["id", "severity", "state", "title", "raised", "cleared", "acknowledged by", "webhook"],
                page.Items.Select(a => new[]
                {
                    a.Id.ToString(), a.Severity.ToString(), a.State, a.Title, CliOutput.When(a.RaisedAt), CliOutput.When(a.ClearedAt), a.AcknowledgedBy, a.LastDelivery,
                }));
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var id = new Argument<Guid>("id") { Description = "The alert's id (see 'pulse alert list')." };
        var ack = new Command("ack", "Acknowledge an alert.") { ws2, id };
        ack.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var alert = await cli.InScopeAsync<AlertService, AlertDto>(s => s.AcknowledgeAsync(Actor.Cli(workspace.Id), parsed.GetValue(id), ct));
            CliOutput.Ok($"Acknowledged '{alert.Title}'.");
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var url = new Option<string>("--url") { Description = "The webhook URL (http or https, to a public address unless the operator sets Security:AllowPrivateNetworkTargets); \"\" removes it." };
        var rotate = new Option<bool>("--rotate-secret") { Description = "Replace the signing secret." };
        var webhook = new Command("webhook", "Show or change the alert webhook; prints the signing secret alone on standard output.") { ws3, url, rotate };
        webhook.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var request = new UpdateAlertSettingsRequest(parsed.GetValue(url), parsed.GetValue(rotate) ? true : null);
            var settings = await cli.InScopeAsync<AlertService, AlertSettingsDto>(s => s.UpdateSettingsAsync(Actor.Cli(workspace.Id), request, ct));
            CliOutput.Info(settings.WebhookUrl is null ? $"'{workspace.Name}' has no alert webhook." : $"Alerts of '{workspace.Name}' go to {settings.WebhookUrl}.");
            CliOutput.Secret(settings.SigningSecret);
            return 0;
        }));

        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(ack);
        cmd.Subcommands.Add(webhook);
        return cmd;
    }
}
