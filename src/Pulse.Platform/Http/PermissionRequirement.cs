using Microsoft.AspNetCore.Authorization;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;

namespace Pulse.Platform.Http;

/// <summary>Met when the API key's role grants the permission in <see cref="Permissions"/>.</summary>
internal sealed class PermissionRequirement(Permission permission)
    : AuthorizationHandler<PermissionRequirement>, IAuthorizationRequirement
{
    public Permission Permission { get; } = permission;

    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, PermissionRequirement requirement)
    {
        var role = context.User.FindFirst(ApiKeyAuthenticationHandler.RoleClaim)?.Value;
        if (Enum.TryParse<WorkspaceRole>(role, out var r) && Permissions.Allows(r, requirement.Permission))
            context.Succeed(requirement);
        return Task.CompletedTask;
    }
}
