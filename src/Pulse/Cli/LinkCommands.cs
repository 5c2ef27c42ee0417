using System.CommandLine;
using System.Globalization;
using Pulse.Hosting;
using Pulse.Influence;
using Pulse.Influence.Links;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

/// <summary><c>pulse link …</c>: the same tracked links as <c>/api/v1/links</c>.</summary>
internal static class LinkCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command Link()
    {
        var cmd = new Command("link", "Manage the tracked short links of a workspace.");

        var ws = WorkspaceOption();
        var url = new Option<string>("--url") { Description = "The destination (http or https).", Required = true };
        var slug = new Option<string?>("--slug") { Description = "A custom slug (generated when left out)." };
        var creator = new Option<Guid?>("--creator") { Description = "The creator's id." };
        var campaign = new Option<string?>("--campaign") { Description = "The campaign (utm_campaign)." };
        var create = new Command("create", "Create a link; prints its short address (with Links:BaseUrl, else its path).") { ws, url, slug, creator, campaign };
        create.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var created = await cli.InScopeAsync<LinkService, LinkDto>(s => s.CreateAsync(Actor.Cli(workspace.Id),
                new CreateLinkRequest(parsed.GetValue(url), parsed.GetValue(slug), parsed.GetValue(creator), parsed.GetValue(campaign)), ct));
            CliOutput.Info($"Created /l/{created.Slug} → {created.Destination}");
            CliOutput.Secret(created.ShortUrl);
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var creator2 = new Option<Guid?>("--creator") { Description = "Only this creator's links." };
        var list = new Command("list", "List the workspace's links with their clicks (from the log).") { ws2, creator2 };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var rows = new List<LinkDto>();
            string? cursor = null;
            do
            {
                // The clicks are counted on the log; while a server holds the embedded log, it answers.
                var page = cli.ServerHoldsLog
                    ? await LocalApi.SendAsync<object, Page<LinkDto>>(cli.Data, workspace.Id, HttpMethod.Get,
                        $"/api/v1/links?limit={PageRequest.MaxLimit}" + (parsed.GetValue(creator2) is { } c ? $"&creatorId={c}" : "") + (cursor is null ? "" : "&cursor=" + Uri.EscapeDataString(cursor)),
                        null, null!, InfluenceJsonContext.Default.PageLinkDto, "listing links", ct)
                    : await cli.InScopeAsync<LinkService, Page<LinkDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), new LinkFilter(parsed.GetValue(creator2)), new PageRequest(cursor, PageRequest.MaxLimit), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            CliOutput.Table(["slug", "creator", "campaign", "enabled", "clicks", "unique", "bots", "destination"],
                rows.Select(l => new[]
                {
                    l.Slug, l.CreatorName ?? "", l.Campaign ?? "", l.Enabled ? "yes" : "no", l.Clicks.ToString("N0", CultureInfo.InvariantCulture),
                    l.UniqueClicks.ToString("N0", CultureInfo.InvariantCulture), l.BotClicks.ToString("N0", CultureInfo.InvariantCulture), l.Destination,
                }));
            return 0;
        }));

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        return cmd;
    }
}
