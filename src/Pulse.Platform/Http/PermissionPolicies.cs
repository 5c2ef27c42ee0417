using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;

namespace Pulse.Platform.Http;

public static class PermissionPolicies
{
    public static string PolicyName(Permission permission) => "perm:" + permission;

    /// <summary>
    /// Refuses the request with 403 before its body is read unless the key's role grants
    /// <paramref name="permission"/> in <see cref="Permissions"/>. Services check again.
    /// </summary>
    public static TBuilder RequirePermission<TBuilder>(this TBuilder builder, Permission permission)
        where TBuilder : IEndpointConventionBuilder =>
        builder.RequireAuthorization(PolicyName(permission));

    internal static void AddPermissionPolicies(AuthorizationOptions options)
    {
        foreach (var permission in Enum.GetValues<Permission>())
        {
            options.AddPolicy(PolicyName(permission), b => b
                .AddAuthenticationSchemes(ApiKeyAuthenticationHandler.SchemeName)
                .RequireAuthenticatedUser()
                .AddRequirements(new PermissionRequirement(permission)));
        }
    }
}
