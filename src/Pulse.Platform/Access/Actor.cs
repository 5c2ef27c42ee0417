namespace Pulse.Platform.Access;

/// <summary>Who is acting, in which workspace, with which role, from where.</summary>
/// <param name="Kind">user, apikey or cli.</param>
/// <param name="Id">The user's or key's id; for the CLI the operating-system user.</param>
/// <param name="Name">A readable name (e-mail, key name).</param>
public sealed record Actor(
    string Kind,
    string Id,
    string Name,
    Guid WorkspaceId,
    WorkspaceRole Role,
    string? Ip = null,
    string? UserAgent = null)
{
    public bool Can(Permission permission) => Permissions.Allows(Role, permission);

    /// <summary>Throws <see cref="ForbiddenException"/> unless the role grants the permission.</summary>
    public void Demand(Permission permission)
    {
        if (!Can(permission))
            throw new ForbiddenException($"The role {Role} may not do this ({permission}).");
    }

    public Guid? UserId => Kind == ActorKinds.User && Guid.TryParse(Id, out var id) ? id : null;

    /// <summary>The operator at the command line of this machine, acting as an Owner.</summary>
    public static Actor Cli(Guid workspaceId) =>
        new(ActorKinds.Cli, Environment.UserName, "cli:" + Environment.UserName, workspaceId, WorkspaceRole.Owner);
}
