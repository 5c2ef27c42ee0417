using Pulse.Platform.Access;
using Pulse.Platform.People;
using Pulse.Platform.Setup;
using Pulse.Platform.Storage;
using Pulse.Platform.Workspaces;

namespace Pulse.Hosting;

/// <summary>What a server does before it answers: schema up to date, and a first Owner or a way to create one.</summary>
internal sealed partial class Bootstrap(IServiceScopeFactory scopes, Database database, IConfiguration config, SetupTokens setup, ILogger<Bootstrap> log)
{
    public const string DefaultWorkspaceName = "Default";

    public async Task PrepareAsync(CancellationToken ct)
    {
        var applied = await database.PrepareAsync(ct);
        if (applied.Count > 0)
            LogMigrated(log, applied.Count, string.Join(", ", applied));

        await using var scope = scopes.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserService>();
        if (await users.AnyAsync(ct))
            return;
        var email = config["ADMIN_EMAIL"];
        var password = config["ADMIN_PASSWORD"];
        if (string.IsNullOrWhiteSpace(email) || string.IsNullOrEmpty(password))
            return;
        try
        {
            var user = await users.CreateAsync(null, email, password, null, ct);
            var workspaces = scope.ServiceProvider.GetRequiredService<WorkspaceService>();
            var name = config["ADMIN_WORKSPACE"] is { Length: > 0 } w ? w : DefaultWorkspaceName;
            await workspaces.CreateAsync(name, user.Id, null, ct);
            LogAdminCreated(log, user.Email, name);
        }
        catch (ValidationException e)
        {
            throw new CliException("PULSE_ADMIN_EMAIL / PULSE_ADMIN_PASSWORD were refused: " +
                string.Join("; ", e.Errors.SelectMany(kv => kv.Value.Select(v => $"{kv.Key}: {v}"))), 2);
        }
    }

    /// <summary>When nobody can log in yet, prints the one-time link that creates the first Owner.</summary>
    public async Task AnnounceSetupAsync(IReadOnlyList<string> addresses, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        if (await scope.ServiceProvider.GetRequiredService<UserService>().AnyAsync(ct))
            return;
        var token = setup.Issue();
        var baseUrl = addresses.FirstOrDefault() ?? "http://localhost:5080";
        var link = $"{baseUrl.TrimEnd('/')}/setup?token={token}";
        LogSetupLink(log, link);
        await Console.Error.WriteLineAsync($"No users yet. Open this one-time link to create the first owner:{Environment.NewLine}  {link}");
    }

    [LoggerMessage(EventId = 100, Level = LogLevel.Information, Message = "Applied {Count} migration(s): {Names}")]
    private static partial void LogMigrated(ILogger logger, int count, string names);

    [LoggerMessage(EventId = 101, Level = LogLevel.Information, Message = "Created owner {Email} of workspace {Workspace} from PULSE_ADMIN_EMAIL")]
    private static partial void LogAdminCreated(ILogger logger, string email, string workspace);

    [LoggerMessage(EventId = 102, Level = LogLevel.Warning, Message = "No users exist. One-time set-up link: {Link}")]
    private static partial void LogSetupLink(ILogger logger, string link);
}
