using System.CommandLine;
using System.Globalization;
using Pulse.Collect.Sources;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

internal static class SourceCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    private static Option<string[]> OriginsOption() => new("--origin")
    {
        Description = "A browser origin allowed to send (https://shop.example, https://*.shop.example or *); repeat for more.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Command Source()
    {
        var cmd = new Command("source", "Manage event sources (write keys) of a workspace.");

        var ws = WorkspaceOption();
        var name = new Option<string>("--name") { Description = "The source's name (Web shop, iOS app …).", Required = true };
        var origins = OriginsOption();
        var rate = new Option<int?>("--rate-limit") { Description = "Events per second this source may send (default: the server's)." };
        var create = new Command("create", "Create a source; prints its write key alone on standard output.") { ws, name, origins, rate };
        create.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var request = new CreateSourceRequest(parsed.GetValue(name), parsed.GetValue(origins) ?? [], RateLimitPerSecond: parsed.GetValue(rate));
            var created = await cli.InScopeAsync<SourceService, SourceDto>(s => s.CreateAsync(Actor.Cli(workspace.Id), request, ct));
            CliOutput.Info($"Created source '{created.Name}' ({created.Id}) in '{workspace.Name}'.");
            CliOutput.Secret(created.WriteKey);
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var list = new Command("list", "List the workspace's sources with their write keys.") { ws2 };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var rows = new List<SourceDto>();
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<SourceService, Page<SourceDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), new PageRequest(cursor, PageRequest.MaxLimit), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            CliOutput.Table(["id", "name", "write key", "enabled", "origins", "rate limit/s", "created"],
                rows.Select(s => new[]
                {
                    s.Id.ToString(), s.Name, s.WriteKey, s.Enabled ? "yes" : "no", string.Join(" ", s.AllowedOrigins),
                    s.RateLimitPerSecond == 0 ? "none" : s.RateLimitPerSecond.ToString(CultureInfo.InvariantCulture), CliOutput.When(s.CreatedAt),
                }));
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var which = new Argument<string>("source") { Description = "The source's id or name." };
        var enable = new Option<bool?>("--enabled") { Description = "true to take events, false to refuse them (401)." };
        var origins3 = OriginsOption();
        var rate3 = new Option<int?>("--rate-limit") { Description = "Events per second (0: no limit)." };
        var rename = new Option<string>("--name") { Description = "A new name." };
        var update = new Command("update", "Change a source (only the options given).") { ws3, which, enable, origins3, rate3, rename };
        update.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var newOrigins = parsed.GetValue(origins3);
            var request = new UpdateSourceRequest(parsed.GetValue(rename), parsed.GetValue(enable),
                newOrigins is { Length: > 0 } ? newOrigins : null, RateLimitPerSecond: parsed.GetValue(rate3));
            var updated = await cli.InScopeAsync<SourceService, SourceDto>(s => s.UpdateAsync(Actor.Cli(workspace.Id), parsed.GetValue(which)!, request, ct));
            CliOutput.Ok($"Source '{updated.Name}' is {(updated.Enabled ? "enabled" : "disabled")}; a running server picks the change up within seconds.");
            return 0;
        }));

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(update);
        return cmd;
    }
}
