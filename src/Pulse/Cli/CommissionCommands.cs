using System.CommandLine;
using System.Globalization;
using Pulse.Hosting;
using Pulse.Influence.Commissions;
using Pulse.Platform.Access;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

/// <summary><c>pulse commission list|approve|pay|statement</c>: the monthly run of an affiliate program from a terminal or a cron job.</summary>
internal static class CommissionCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command Commission()
    {
        var cmd = new Command("commission", "Creators' commissions and payouts.");

        var ws = WorkspaceOption();
        var creator = new Option<Guid?>("--creator") { Description = "Only this creator's." };
        var state = new Option<string?>("--state") { Description = "pending, on_hold, approved, paid or cancelled." };
        var list = new Command("list", "List commissions, newest first, with the totals per state.") { ws, creator, state };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var rows = new List<CommissionDto>();
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<CommissionService, Page<CommissionDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), parsed.GetValue(creator), parsed.GetValue(state), null,
                    new PageRequest(cursor, PageRequest.MaxLimit), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            foreach (var g in rows.GroupBy(r => (r.State, r.Currency)).OrderBy(g => g.Key.Currency, StringComparer.Ordinal).ThenBy(g => g.Key.State, StringComparer.Ordinal))
                CliOutput.Info($"{g.Key.State}: {g.Sum(r => r.Amount).ToString("N2", CultureInfo.InvariantCulture)} {g.Key.Currency} ({g.Count():N0})");
            CliOutput.Table(["earned", "creator", "order", "kind", "amount", "state", "available"],
                rows.Take(200).Select(r => new[]
                {
                    r.EarnedAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), r.CreatorName ?? r.CreatorId.ToString(), r.OrderId ?? "", r.Kind,
                    r.Amount.ToString("N2", CultureInfo.InvariantCulture) + " " + r.Currency, r.State, r.AvailableAt.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                }));
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var approve = new Command("approve", "Approve every pending commission whose holding period is over (audited).") { ws2 };
        approve.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var done = await cli.InScopeAsync<CommissionService, CommissionActionResult>(s => s.ApproveDueAsync(Actor.Cli(workspace.Id), ct));
            CliOutput.Info($"Approved {done.Changed:N0} commissions.");
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var reference = new Option<string?>("--reference") { Description = "The payment's reference (transfer title, batch id)." };
        var export = new Option<FileInfo?>("--export") { Description = "Also write the payout file (CSV with the accounts) of this run here." };
        var pay = new Command("pay", "Pay every creator's positive approved balance (less claw-backs); others carry over. Audited.") { ws3, reference, export };
        pay.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var paid = await cli.InScopeAsync<CommissionService, IReadOnlyList<PayoutRecordDto>>(s => s.PayAsync(Actor.Cli(workspace.Id), new PayoutRequest(Reference: parsed.GetValue(reference)), ct));
            CliOutput.Table(["creator", "amount", "commissions"], paid.Select(p => new[] { p.CreatorName ?? "", p.Amount.ToString("N2", CultureInfo.InvariantCulture) + " " + p.Currency, p.Commissions.ToString(CultureInfo.InvariantCulture) }));
            if (parsed.GetValue(export) is { } file && paid.Count > 0)
            {
                await using var stream = File.Create(file.FullName);
                await cli.InScopeAsync<CommissionService, bool>(async s =>
                {
                    await s.ExportPayoutsAsync(Actor.Cli(workspace.Id), paid.Select(p => p.Id).ToArray(), null, stream, ct);
                    return true;
                });
                CliOutput.Info($"Wrote {file.FullName}");
            }
            CliOutput.Info(paid.Count == 0 ? "No creator has a positive approved balance." : $"Paid {paid.Count} creators.");
            return 0;
        }));

        var ws4 = WorkspaceOption();
        var who = new Option<Guid>("--creator") { Description = "The creator's id.", Required = true };
        var month = new Option<string>("--month") { Description = "yyyy-MM.", Required = true };
        var format = new Option<string>("--format") { Description = "csv (default) or html.", DefaultValueFactory = _ => "csv" };
        var output = new Option<FileInfo>("--output") { Description = "Where to write it.", Required = true };
        var statement = new Command("statement", "Write a creator's monthly statement as CSV or printable HTML.") { ws4, who, month, format, output };
        statement.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var kind = parsed.GetValue(format)!.Trim().ToLowerInvariant();
            if (kind is not ("csv" or "html"))
                throw new CliException("--format is csv or html.", 2);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws4)!, ct);
            var s = await cli.InScopeAsync<CommissionService, StatementDto>(x => x.StatementAsync(Actor.Cli(workspace.Id), parsed.GetValue(who), parsed.GetValue(month)!, null, ct));
            var file = parsed.GetValue(output)!;
            if (kind == "html")
                await File.WriteAllTextAsync(file.FullName, CommissionService.Html(s), ct);
            else
            {
                await using var stream = File.Create(file.FullName);
                await CommissionService.WriteCsvAsync(s, stream, ct);
            }
            CliOutput.Info($"{s.CreatorName} {s.Month}: opening {s.Opening:N2}, earned {s.Earned:N2} (pending {s.Pending:N2}), reversed {s.Reversed:N2}, paid {s.Paid:N2}, closing {s.Closing:N2} {s.Currency} → {file.FullName}");
            return 0;
        }));

        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(approve);
        cmd.Subcommands.Add(pay);
        cmd.Subcommands.Add(statement);
        return cmd;
    }
}
