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

        var ws3 = WorkspaceOption();
        var file = new Option<FileInfo>("--file") { Description = "Bitly's or Dub's link export, or any CSV with a short link or slug column and a destination column.", Required = true };
        var creator3 = new Option<Guid?>("--creator") { Description = "Every imported link belongs to this creator." };
        var campaign3 = new Option<string?>("--campaign") { Description = "Every imported link gets this campaign." };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and report, making nothing." };
        var import = new Command("import", "Import links from a Bitly or Dub export, keeping each back-half as the slug where free. Exits 1 when any row was refused.")
            { ws3, file, creator3, campaign3, dryRun };
        import.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var f = parsed.GetValue(file)!;
            if (!f.Exists)
                throw new CliException($"--file: no file '{f.FullName}'.", 2);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            using var reader = new StreamReader(f.FullName, detectEncodingFromByteOrderMarks: true);
            CliOutput.Info($"Importing {f.Name} …");
            var report = await cli.InScopeAsync<LinkService, LinkImportReport>(s => s.ImportAsync(Actor.Cli(workspace.Id), reader, parsed.GetValue(dryRun),
                parsed.GetValue(creator3), parsed.GetValue(campaign3), ct));
            CliOutput.Info("Columns read: " + string.Join(", ", report.Columns.Select(c => $"{c.Key} as {c.Value}")) + (report.Ignored.Count > 0 ? "; ignored: " + string.Join(", ", report.Ignored) : ""));
            var refused = report.Rows.Where(r => r.Outcome == "refused").ToList();
            if (refused.Count > 0)
                CliOutput.Table(["row", "slug", "problems"], refused.Take(200).Select(r => new[] { r.Row.ToString(CultureInfo.InvariantCulture), r.Slug ?? "", string.Join("; ", r.Errors) }), summary: true);
            CliOutput.Info($"{(report.DryRun ? "Would create" : "Created")} {(report.DryRun ? report.Rows.Count(r => r.Outcome == "would_create") : report.Created):N0}, refused {report.Refused:N0} of {report.Rows.Count:N0} rows.");
            return report.Refused > 0 ? 1 : 0;
        }));

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(import);
        return cmd;
    }
}
