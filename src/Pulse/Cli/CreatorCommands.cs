using System.CommandLine;
using System.Globalization;
using Pulse.Hosting;
using Pulse.Influence.Creators;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

/// <summary><c>pulse creator …</c>: the same creators as <c>/api/v1/creators</c>, checked the same way.</summary>
internal static class CreatorCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command Creator()
    {
        var cmd = new Command("creator", "Manage the creators and affiliates of a workspace.");

        var ws = WorkspaceOption();
        var name = new Option<string>("--name") { Description = "The creator's name.", Required = true };
        var email = new Option<string?>("--email") { Description = "Their e-mail (for the partner portal)." };
        var country = new Option<string?>("--country") { Description = "ISO 3166-1 alpha-2 country code." };
        var status = new Option<string?>("--status") { Description = "prospect, active (default), paused, ended or banned." };
        var handles = new Option<string[]>("--handle")
        {
            Description = "platform:handle or platform:handle:followers (instagram:anna_fit:120k; the handle may be a profile address); repeat per platform.",
        };
        var categories = new Option<string[]>("--category") { Description = "A category; repeat for more." };
        var groups = new Option<string[]>("--group") { Description = "An existing creator group (name or id); repeat for more." };
        var add = new Command("add", "Add a creator; prints its id.") { ws, name, email, country, status, handles, categories, groups };
        add.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var handleInputs = (parsed.GetValue(handles) ?? []).Select(ParseHandle).ToList();
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var request = new CreateCreatorRequest(parsed.GetValue(name), parsed.GetValue(email), parsed.GetValue(country), parsed.GetValue(status),
                parsed.GetValue(categories), handleInputs, parsed.GetValue(groups), null, null);
            var created = await cli.InScopeAsync<CreatorService, CreatorDto>(s => s.CreateAsync(Actor.Cli(workspace.Id), request, ct));
            CliOutput.Info($"Added creator '{created.Name}' ({created.Tier ?? "tier unknown"}) to '{workspace.Name}'.");
            CliOutput.Secret(created.Id.ToString());
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var status2 = new Option<string?>("--status") { Description = "Only this status." };
        var tier2 = new Option<string?>("--tier") { Description = "Only this tier: nano, micro, mid, macro, mega or unknown." };
        var group2 = new Option<string?>("--group") { Description = "Only members of this group." };
        var q2 = new Option<string?>("--search") { Description = "Part of the name, e-mail or a handle." };
        var list = new Command("list", "List the workspace's creators (payout accounts masked).") { ws2, status2, tier2, group2, q2 };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var filter = new CreatorFilter(parsed.GetValue(status2), parsed.GetValue(tier2), parsed.GetValue(group2), Query: parsed.GetValue(q2));
            var rows = new List<CreatorDto>();
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<CreatorService, Page<CreatorDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), filter, new PageRequest(cursor, PageRequest.MaxLimit), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            CliOutput.Table(["id", "name", "status", "tier", "followers", "handles", "groups", "payout"],
                rows.Select(c => new[]
                {
                    c.Id.ToString(), c.Name, c.Status, c.Tier ?? "", c.Followers?.ToString("N0", CultureInfo.InvariantCulture) ?? "",
                    string.Join(" ", c.Handles.Select(h => $"{h.Platform}:@{h.Handle}")), string.Join(", ", c.Groups.Select(g => g.Name)),
                    c.Payout is { } p ? $"{p.Method} {p.Account}" : "",
                }));
            CliOutput.Info($"{rows.Count:N0} creators.");
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var file = new Option<FileInfo>("--file") { Description = "The CSV (UTF-8, header first; columns in docs/api.md, Creators).", Required = true };
        var dryRun = new Option<bool>("--dry-run") { Description = "Check every row and report, saving nothing." };
        var import = new Command("import", "Import creators from a CSV; rows matching an existing creator (by e-mail, else handle) update it. Exits 1 when any row was refused.") { ws3, file, dryRun };
        import.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var f = parsed.GetValue(file)!;
            if (!f.Exists)
                throw new CliException($"--file: no file '{f.FullName}'.", 2);
            if (f.Length > CreatorEndpoints.MaxImportBytes)
                throw new CliException($"--file: {f.Length / 1024 / 1024} MB is more than an import takes ({CreatorEndpoints.MaxImportBytes / 1024 / 1024} MB); split the file.", 2);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            using var reader = new StreamReader(f.FullName, detectEncodingFromByteOrderMarks: true);
            var progress = new ProgressLine("Imported", 0, "rows");
            var report = await cli.InScopeAsync<CreatorService, CreatorImportReport>(s => s.ImportAsync(Actor.Cli(workspace.Id), reader, parsed.GetValue(dryRun), progress, ct));
            progress.Done(report.Rows);
            var failed = report.Results.Where(r => r.Outcome == "failed").ToList();
            if (failed.Count > 0)
                CliOutput.Table(["row", "name", "problems"], failed.Take(200).Select(r => new[] { r.Row.ToString(CultureInfo.InvariantCulture), r.Name ?? "", string.Join("; ", r.Errors) }), summary: true);
            if (failed.Count > 200)
                CliOutput.Info($"… and {failed.Count - 200:N0} more refused rows.");
            var verb = report.DryRun ? "Would create" : "Created";
            CliOutput.Info($"{verb} {report.Created:N0}, {(report.DryRun ? "would update" : "updated")} {report.Updated:N0}, refused {report.Failed:N0} of {report.Rows:N0} rows"
                + (report.GroupsCreated.Count > 0 ? $"; new groups: {string.Join(", ", report.GroupsCreated)}." : "."));
            return report.Failed > 0 ? 1 : 0;
        }));

        var ws4 = WorkspaceOption();
        var id4 = new Argument<Guid>("id") { Description = "The creator's id." };
        var text4 = new Option<string>("--text") { Description = "The note.", Required = true };
        var note = new Command("note", "Add a note to a creator.") { ws4, id4, text4 };
        note.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws4)!, ct);
            await cli.InScopeAsync<CreatorService, NoteDto>(s => s.AddNoteAsync(Actor.Cli(workspace.Id), parsed.GetValue(id4), new AddNoteRequest(parsed.GetValue(text4)), ct));
            CliOutput.Ok("Note added.");
            return 0;
        }));

        var ws5 = WorkspaceOption();
        var gname = new Option<string>("--name") { Description = "The group's name.", Required = true };
        var gdesc = new Option<string?>("--description") { Description = "What the group is for." };
        var groupAdd = new Command("add-group", "Create a creator group.") { ws5, gname, gdesc };
        groupAdd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws5)!, ct);
            var g = await cli.InScopeAsync<CreatorService, CreatorGroupDto>(s => s.CreateGroupAsync(Actor.Cli(workspace.Id), new CreatorGroupRequest(parsed.GetValue(gname), parsed.GetValue(gdesc)), ct));
            CliOutput.Secret(g.Id.ToString());
            return 0;
        }));

        cmd.Subcommands.Add(add);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(import);
        cmd.Subcommands.Add(note);
        cmd.Subcommands.Add(groupAdd);
        return cmd;
    }

    /// <summary>platform:handle or platform:handle:followers; the handle may be an address with its own colon.</summary>
    private static HandleInput ParseHandle(string text)
    {
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
            throw new CliException($"--handle '{text}': write platform:handle (instagram:anna_fit) or platform:handle:followers.", 2);
        var platform = text[..colon];
        var rest = text[(colon + 1)..];
        long? followers = null;
        var last = rest.LastIndexOf(':');
        if (last > 0 && CreatorCsvFollowers(rest[(last + 1)..]) is { } n)
        {
            followers = n;
            rest = rest[..last];
        }
        return new HandleInput(platform, rest, followers);
    }

    private static long? CreatorCsvFollowers(string text) => text.Length > 0 && char.IsAsciiDigit(text[0]) ? FollowerCount.Parse(text) : null;
}
