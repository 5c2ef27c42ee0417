using System.CommandLine;
using Pulse.Hosting;
using Pulse.Platform.Access;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;

namespace Pulse.Cli;

internal static class PeopleCommands
{
    public static Command User()
    {
        var cmd = new Command("user", "Manage people's accounts.");
        cmd.Subcommands.Add(AddUser());
        cmd.Subcommands.Add(ListUsers());
        cmd.Subcommands.Add(ResetPassword());
        return cmd;
    }

    public static Command Workspace()
    {
        var cmd = new Command("workspace", "Manage workspaces.");

        var name = new Option<string>("--name") { Description = "Name of the new workspace.", Required = true };
        var owner = new Option<string>("--owner") { Description = "E-mail of an existing user who becomes its Owner." };
        var add = new Command("add", "Create a workspace.") { name, owner };
        add.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            Guid? ownerId = null;
            if (parsed.GetValue(owner) is { } email)
            {
                ownerId = (await cli.InScopeAsync<UserService, UserDto?>(u => u.FindAsync(email, ct)))?.Id
                    ?? throw new CliException($"No user has the e-mail {email}. Create one with 'pulse user add'.");
            }
            var w = await cli.InScopeAsync<WorkspaceService, WorkspaceDto>(s => s.CreateAsync(parsed.GetValue(name), ownerId, Actor.Cli(Guid.Empty), ct));
            CliOutput.Ok($"Created workspace '{w.Name}'.");
            Console.Out.WriteLine(w.Id);
            return 0;
        }));

        var list = new Command("list", "List workspaces.");
        list.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var all = await cli.InScopeAsync<WorkspaceService, IReadOnlyList<WorkspaceDto>>(s => s.ListAllAsync(ct));
            CliOutput.Table(["id", "name", "created"], all.Select(w => new[] { w.Id.ToString(), w.Name, CliOutput.When(w.CreatedAt) }));
            return 0;
        }));
        cmd.Subcommands.Add(add);
        cmd.Subcommands.Add(list);
        return cmd;
    }

    private static Command AddUser()
    {
        var email = new Option<string>("--email") { Description = "The person's e-mail (their login).", Required = true };
        var password = new Option<string>("--password") { Description = "Their password; '-' reads it from standard input; omitted: a generated one is printed." };
        var name = new Option<string>("--name") { Description = "Display name." };
        var workspace = new Option<string>("--workspace") { Description = "Also add them to this workspace (name or id)." };
        var role = new Option<string>("--role") { Description = "Their role there: Owner, Admin, Marketer, Analyst, Viewer, Partner.", DefaultValueFactory = _ => "Viewer" };
        var cmd = new Command("add", "Create a user, optionally as a member of a workspace.") { email, password, name, workspace, role };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var roleValue = Validate.Role("role", parsed.GetValue(role));
            var (secret, generated) = ReadPassword(parsed.GetValue(password));
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var ws = parsed.GetValue(workspace) is { } w ? await cli.WorkspaceAsync(w, ct) : null;
            var user = await cli.InScopeAsync<UserService, UserDto>(s => s.CreateAsync(Actor.Cli(Guid.Empty), parsed.GetValue(email), secret, parsed.GetValue(name), ct));
            if (ws is not null)
            {
                await cli.InScopeAsync<MemberService, AddedMember>(s => s.AddAsync(Actor.Cli(ws.Id), user.Email, roleValue.ToString(), null, null, ct));
                CliOutput.Ok($"Created {user.Email} as {roleValue} of '{ws.Name}'.");
            }
            else
            {
                CliOutput.Ok($"Created {user.Email}.");
            }
            if (generated)
                CliOutput.Secret(secret);
            return 0;
        }));
        return cmd;
    }

    private static Command ListUsers()
    {
        var cmd = new Command("list", "List users.");
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            var users = await cli.InScopeAsync<UserService, IReadOnlyList<UserDto>>(s => s.ListAsync(ct));
            CliOutput.Table(["id", "email", "name", "2fa", "locked until", "workspaces", "created"],
                users.Select(u => new[] { u.Id.ToString(), u.Email, u.DisplayName, u.TwoFactorEnabled ? "on" : "off", CliOutput.When(u.LockedOutUntil), u.Workspaces.ToString(System.Globalization.CultureInfo.InvariantCulture), CliOutput.When(u.CreatedAt) }));
            return 0;
        }));
        return cmd;
    }

    private static Command ResetPassword()
    {
        var email = new Option<string>("--email") { Description = "The user's e-mail.", Required = true };
        var password = new Option<string>("--password") { Description = "The new password; '-' reads it from standard input; omitted: a generated one is printed." };
        var cmd = new Command("reset-password", "Set a new password, lift a lockout and end the user's sessions.") { email, password };
        cmd.SetAction(PulseCli.Guarded(async (parsed, ct) =>
        {
            var (secret, generated) = ReadPassword(parsed.GetValue(password));
            await using var cli = await CliContext.OpenAsync(PulseCli.Flags(parsed), ct);
            await cli.InScopeAsync<UserService, bool>(async s => { await s.ResetPasswordAsync(Actor.Cli(Guid.Empty), parsed.GetValue(email), secret, ct); return true; });
            CliOutput.Ok($"Password of {parsed.GetValue(email)} reset; any lockout lifted.");
            if (generated)
                CliOutput.Secret(secret);
            return 0;
        }));
        return cmd;
    }

    private static (string Password, bool Generated) ReadPassword(string? option)
    {
        if (option is null)
            return (Passwords.Generate(), true);
        if (option == "-")
        {
            var line = Console.In.ReadLine();
            if (string.IsNullOrEmpty(line))
                throw new CliException("--password - expects the password on standard input.", 2);
            return (line, false);
        }
        return (option, false);
    }
}
