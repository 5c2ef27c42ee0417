using System.CommandLine;
using System.Globalization;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;
using Pulse.Platform.Paging;

namespace Pulse.Cli;

internal static class ApiKeyCommands
{
    private static Option<string> WorkspaceOption() => new("--workspace") { Description = "Workspace name or id.", Required = true };

    public static Command ApiKey()
    {
        var cmd = new Command("apikey", "Manage API keys of a workspace.");

        var ws = WorkspaceOption();
        var role = new Option<string>("--role") { Description = "Owner, Admin, Marketer, Analyst or Viewer.", Required = true };
        var name = new Option<string>("--name") { Description = "What the key is for (default: cli key <date>)." };
        var expires = new Option<string>("--expires") { Description = "Expiry: a date (2027-01-31) or a duration in days (90d)." };
        var create = new Command("create", "Create a key; prints the key alone on standard output.") { ws, role, name, expires };
        create.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var roleValue = Validate.Role("role", parsed.GetValue(role));
            var expiresAt = ParseExpiry(parsed.GetValue(expires));
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws)!, ct);
            var keyName = parsed.GetValue(name) ?? "cli key " + TimeProvider.System.GetUtcNow().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            var created = await cli.InScopeAsync<ApiKeyService, CreatedApiKey>(s => s.CreateAsync(Actor.Cli(workspace.Id), keyName, roleValue.ToString(), expiresAt, ct));
            CliOutput.Info($"Created {created.ApiKey.Role} key '{created.ApiKey.Name}' ({created.ApiKey.Prefix}…) for '{workspace.Name}'. It is shown only now.");
            CliOutput.Secret(created.Key);
            return 0;
        }));

        var ws2 = WorkspaceOption();
        var all = new Option<bool>("--all") { Description = "Include revoked keys." };
        var list = new Command("list", "List keys (never their secrets).") { ws2, all };
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws2)!, ct);
            var rows = new List<ApiKeyDto>();
            string? cursor = null;
            do
            {
                var page = await cli.InScopeAsync<ApiKeyService, Page<ApiKeyDto>>(s => s.ListAsync(Actor.Cli(workspace.Id), new PageRequest(cursor, PageRequest.MaxLimit), parsed.GetValue(all), ct));
                rows.AddRange(page.Items);
                cursor = page.NextCursor;
            } while (cursor is not null);
            CliOutput.Table(["id", "prefix", "name", "role", "status", "created", "last used", "expires"],
                rows.Select(k => new[] { k.Id.ToString(), k.Prefix, k.Name, k.Role.ToString(), k.Status, CliOutput.When(k.CreatedAt), CliOutput.When(k.LastUsedAt), CliOutput.When(k.ExpiresAt) }));
            return 0;
        }));

        var ws3 = WorkspaceOption();
        var key = new Argument<string>("key") { Description = "The key's id, its prefix (pk_live_XXXXXXXX) or the key itself." };
        var revoke = new Command("revoke", "Revoke a key; it stops working at once.") { ws3, key };
        revoke.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var which = parsed.GetValue(key)!.Trim();
            if (ApiKeyFormat.LooksValid(which))
                which = ApiKeyFormat.PrefixOf(which);
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var workspace = await cli.WorkspaceAsync(parsed.GetValue(ws3)!, ct);
            var revoked = await cli.InScopeAsync<ApiKeyService, ApiKeyDto>(s => s.RevokeAsync(Actor.Cli(workspace.Id), which, ct));
            CliOutput.Ok($"Revoked '{revoked.Name}' ({revoked.Prefix}…).");
            return 0;
        }));

        cmd.Subcommands.Add(create);
        cmd.Subcommands.Add(list);
        cmd.Subcommands.Add(revoke);
        return cmd;
    }

    private static DateTimeOffset? ParseExpiry(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (text.EndsWith('d') && int.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var days) && days is > 0 and <= 3650)
            return TimeProvider.System.GetUtcNow().AddDays(days);
        if (DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at))
            return at;
        throw new CliException($"--expires '{text}' is neither a date (2027-01-31) nor a number of days (90d).", 2);
    }
}
