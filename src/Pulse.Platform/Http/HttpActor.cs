using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using Pulse.Platform.Access;
using Pulse.Platform.ApiKeys;

namespace Pulse.Platform.Http;

/// <summary>The <see cref="Actor"/> of an API request authenticated with a key.</summary>
public static class HttpActor
{
    public static Actor From(HttpContext context)
    {
        var user = context.User;
        if (user.Identity?.AuthenticationType != ApiKeyAuthenticationHandler.SchemeName
            || !Guid.TryParse(user.FindFirstValue(ApiKeyAuthenticationHandler.WorkspaceClaim), out var ws)
            || !Enum.TryParse<WorkspaceRole>(user.FindFirstValue(ApiKeyAuthenticationHandler.RoleClaim), out var role))
            throw new InvalidOperationException("The endpoint must require API key authentication.");
        if (user.FindFirstValue(ApiKeyAuthenticationHandler.KindClaim) == ActorKinds.Cli)
            return new Actor(ActorKinds.Cli, user.FindFirstValue(ClaimTypes.NameIdentifier)!, user.FindFirstValue(ClaimTypes.Name)!, ws, role, ClientIp(context), UserAgent(context));
        return new Actor(
            ActorKinds.ApiKey,
            user.FindFirstValue(ClaimTypes.NameIdentifier)!,
            $"{user.FindFirstValue(ClaimTypes.Name)} ({user.FindFirstValue(ApiKeyAuthenticationHandler.PrefixClaim)}…)",
            ws,
            role,
            ClientIp(context),
            UserAgent(context));
    }

    public static string? ClientIp(HttpContext context) => context.Connection.RemoteIpAddress?.ToString();

    public static string? UserAgent(HttpContext context)
    {
        string? ua = context.Request.Headers.UserAgent;
        return string.IsNullOrEmpty(ua) ? null : ua.Length > 512 ? ua[..512] : ua;
    }
}
