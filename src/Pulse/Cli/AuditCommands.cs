using System.CommandLine;
using Pulse.Platform.Audit;
using Spectre.Console;

namespace Pulse.Cli;

internal static class AuditCommands
{
    public static Command Audit()
    {
        var cmd = new Command("audit", "The audit trail.");
        var verify = new Command("verify", "Recompute the hash chain; exit 1 naming the first entry that was changed or removed.");
        verify.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            await using var scope = cli.Services.CreateAsyncScope();
            var verifier = scope.ServiceProvider.GetRequiredService<AuditVerifier>();
            var total = await verifier.CountAsync(ct);
            AuditVerification? result = null;
            await CliContext.Messages.Progress()
                .AutoClear(true)
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .StartAsync(async p =>
                {
                    var task = p.AddTask("Checking audit entries", maxValue: Math.Max(1, total));
                    result = await verifier.VerifyAsync(new Progress<long>(n => task.Value = n), ct);
                    task.Value = task.MaxValue;
                });
            if (result!.Intact)
            {
                CliOutput.Ok($"Audit trail intact: {result.EntriesChecked} entries, hash chain unbroken.");
                return 0;
            }
            CliContext.Messages.MarkupLineInterpolated($"[red]TAMPERED:[/] first bad entry is #{result.FirstBadEntryId}: {result.Problem}. {result.EntriesChecked} entries before it are intact.");
            Console.Out.WriteLine(result.FirstBadEntryId);
            return 1;
        }));
        cmd.Subcommands.Add(verify);
        return cmd;
    }
}
