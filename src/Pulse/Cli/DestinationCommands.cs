using System.CommandLine;
using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Platform.Access;
using Pulse.Hosting;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

/// <summary><c>pulse destination …</c>: the same destination configs as <c>/api/v1/destinations</c>, checked the same way.</summary>
internal static class DestinationCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    private static Option<string> ConfigOption() => new("--config")
    {
        Description = "The config object as JSON (see docs/api.md, Destinations).",
    };

    private static Option<FileInfo> ConfigFileOption() => new("--config-file")
    {
        Description = "A file holding the config object as JSON (keeps tokens out of the shell's history).",
    };

    public static Command Destination()
    {
        var cmd = new Command("destination", "Manage destinations (Meta, TikTok, LinkedIn, GA4, webhooks) of a workspace.");

        var ws = WorkspaceOption();
        var type = new Option<string>("--type") { Description = "webhook, meta, tiktok, linkedin or ga4.", Required = true };
        var name = new Option<string>("--name") { Description = "The destination's name.", Required = true };
        var config = ConfigOption();
        var configFile = ConfigFileOption();
        var sources = new Option<string[]>("--source") { Description = "A source (id or name) whose events it receives; repeat for more.", Required = true };
        var events = new Option<string[]>("--event") { Description = "Only this event name; repeat for more (default: every event)." };
        var disabled = new Option<bool>("--disabled") { Description = "Create it switched off." };
        var create = new Command("create", "Create a destination; prints its id (and a webhook's signing secret, shown only now).") { ws, type, name, config, configFile, sources, events, disabled };
        create.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var json = await ConfigAsync(parsed.GetValue(config), parsed.GetValue(configFile), ct)
                ?? throw new CliException("Give the destination's config with --config JSON or --config-file FILE.", 2);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var request = new CreateDestinationRequest(parsed.GetValue(type), parsed.GetValue(name), json, parsed.GetValue(sources),
                parsed.GetValue(events) is { Length: > 0 } e ? e : null, !parsed.GetValue(disabled));
            var created = await cli.InScopeAsync<DestinationService, DestinationDto>(s => s.CreateAsync(Actor.Cli(workspace.Id), request, ct));
            CliOutput.Info($"Created {created.Type} destination '{created.Name}' in '{workspace.Name}'.");
            if (created.SigningSecret is { } secret)
                CliOutput.Info($"Signing secret (shown only now): {secret}");
            CliOutput.Secret(created.Id.ToString());
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var list = new Command("list", "List the workspace's destinations (secrets masked).") { ws2 };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var rows = new List<DestinationDto>();
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<DestinationService, Page<DestinationDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), new PageRequest(cursor, PageRequest.MaxLimit), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            CliOutput.Table(["id", "name", "type", "enabled", "events", "config", "updated"],
                rows.Select(d => new[]
                {
                    d.Id.ToString(), d.Name, d.Type, d.Enabled ? "yes" : "no", d.Events is null ? "all" : string.Join(", ", d.Events),
                    Describe(d.Config), CliOutput.When(d.UpdatedAt),
                }));
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var id3 = new Argument<Guid>("id") { Description = "The destination's id." };
        var config3 = ConfigOption();
        var configFile3 = ConfigFileOption();
        var enabled3 = new Option<bool?>("--enabled") { Description = "true to send, false to stop sending." };
        var rename3 = new Option<string>("--name") { Description = "A new name." };
        var update = new Command("update", "Change a destination (only the options given; secrets left out of a new config are kept).") { ws3, id3, config3, configFile3, enabled3, rename3 };
        update.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var json = await ConfigAsync(parsed.GetValue(config3), parsed.GetValue(configFile3), ct);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var request = new UpdateDestinationRequest(parsed.GetValue(rename3), json, null, null, parsed.GetValue(enabled3));
            var updated = await cli.InScopeAsync<DestinationService, DestinationDto>(s => s.UpdateAsync(Actor.Cli(workspace.Id), parsed.GetValue(id3), request, ct));
            CliOutput.Ok($"Destination '{updated.Name}' is {(updated.Enabled ? "enabled" : "disabled")}.");
            return 0;
        }));

        var ws4 = WorkspaceOption();
        var id4 = new Argument<Guid>("id") { Description = "The destination's id." };
        var delete = new Command("delete", "Delete a destination.") { ws4, id4 };
        delete.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws4)!, ct);
            await cli.InScopeAsync<DestinationService, bool>(async s =>
            {
                await s.DeleteAsync(Actor.Cli(workspace.Id), parsed.GetValue(id4), ct);
                return true;
            });
            CliOutput.Ok("Destination deleted.");
            return 0;
        }));

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(update);
        cmd.Subcommands.Add(delete);
        DeliveryCommands.AddTo(cmd);
        return cmd;
    }

    /// <summary>The config as name=value pairs, for a table (strings unquoted, secrets already masked).</summary>
    private static string Describe(JsonElement config) =>
        string.Join(" ", config.EnumerateObject().Select(p => p.Name + "=" + (p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString() : p.Value.GetRawText())));

    /// <summary>The config from --config or --config-file (not both), as JSON; null when neither is given.</summary>
    private static async Task<JsonElement?> ConfigAsync(string? inline, FileInfo? file, CancellationToken ct)
    {
        if (inline is not null && file is not null)
            throw new CliException("Give --config or --config-file, not both.", 2);
        string text;
        if (file is not null)
        {
            if (!file.Exists)
                throw new CliException($"--config-file: no file '{file.FullName}'.", 2);
            text = await File.ReadAllTextAsync(file.FullName, ct);
        }
        else if (inline is not null)
            text = inline;
        else
            return null;
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.Clone();
        }
        catch (JsonException e)
        {
            throw new CliException($"The config is not valid JSON: {e.Message}", 2);
        }
    }
}
