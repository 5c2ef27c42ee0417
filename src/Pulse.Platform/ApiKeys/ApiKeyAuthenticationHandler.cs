using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Platform.Http;

namespace Pulse.Platform.ApiKeys;

/// <summary><c>Authorization: Bearer pk_live_…</c> on the management API.</summary>
internal sealed class ApiKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ApiKey";
    public const string WorkspaceClaim = "pulse:workspace";
    public const string RoleClaim = "pulse:role";
    public const string PrefixClaim = "pulse:key_prefix";
    public const string KindClaim = "pulse:actor_kind";
    private const string FailureItem = "pulse:auth_failure";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        string? header = Request.Headers.Authorization;
        if (string.IsNullOrEmpty(header))
            return AuthenticateResult.NoResult();
        if (header.StartsWith(LocalAdminToken.Scheme + " ", StringComparison.Ordinal))
            return AuthenticateLocal(header[(LocalAdminToken.Scheme.Length + 1)..].Trim());
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
            return Fail("The Authorization header must be 'Bearer <API key>'.");
        var key = header.AsSpan(7).Trim().ToString();
        if (!ApiKeyFormat.LooksValid(key))
            return Fail("The API key is malformed: keys look like pk_live_ followed by 40 letters and digits.");

        var keys = Context.RequestServices.GetRequiredService<ApiKeyService>();
        var identity = await keys.AuthenticateAsync(key, Context.RequestAborted);
        Context.RequestServices.GetRequiredService<PlatformMetrics>().KeyAuthentication(identity is null ? "invalid" : "valid");
        if (identity is null)
            return Fail("The API key is unknown, revoked or expired.");

        var claims = new[]
        {
            new Claim(ClaimTypes.NameIdentifier, identity.KeyId.ToString()),
            new Claim(ClaimTypes.Name, identity.Name),
            new Claim(WorkspaceClaim, identity.WorkspaceId.ToString()),
            new Claim(RoleClaim, identity.Role.ToString()),
            new Claim(PrefixClaim, identity.Prefix),
        };
        var principal = new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName));
        return AuthenticateResult.Success(new AuthenticationTicket(principal, SchemeName));
    }

    /// <summary>The CLI on this machine, acting through the server with the token of <c>admin.token</c>.</summary>
    private AuthenticateResult AuthenticateLocal(string token)
    {
        if (Context.Connection.RemoteIpAddress is not { } ip || !System.Net.IPAddress.IsLoopback(ip))
            return Fail("The local admin token is accepted from this machine only.");
        if (!Context.RequestServices.GetRequiredService<LocalAdminToken>().Matches(token))
            return Fail("The local admin token does not match the running server's.");
        if (!Guid.TryParse(Request.Headers[LocalAdminToken.WorkspaceHeader].ToString(), out var workspace))
            return Fail($"Name the workspace in the {LocalAdminToken.WorkspaceHeader} header.");
        var user = Request.Headers[LocalAdminToken.UserHeader].ToString() is { Length: > 0 and <= 64 } u ? u : "operator";
        var claims = new[]
        {
            new Claim(ClaimTypes.NameIdentifier, user),
            new Claim(ClaimTypes.Name, "cli:" + user),
            new Claim(WorkspaceClaim, workspace.ToString()),
            new Claim(RoleClaim, nameof(Access.WorkspaceRole.Owner)),
            new Claim(KindClaim, Access.ActorKinds.Cli),
        };
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    private AuthenticateResult Fail(string reason)
    {
        Context.Items[FailureItem] = reason;
        return AuthenticateResult.Fail(reason);
    }

    protected override async Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 401;
        Response.Headers.WWWAuthenticate = "Bearer realm=\"pulse\"";
        var detail = Context.Items[FailureItem] as string ?? "Send an API key as 'Authorization: Bearer <key>'.";
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = 401, Type = ProblemTypes.Unauthorized, Title = "Unauthorized", Detail = detail },
        });
    }

    protected override async Task HandleForbiddenAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = 403;
        var problems = Context.RequestServices.GetRequiredService<IProblemDetailsService>();
        await problems.WriteAsync(new ProblemDetailsContext
        {
            HttpContext = Context,
            ProblemDetails = new ProblemDetails { Status = 403, Type = ProblemTypes.Forbidden, Title = "Forbidden", Detail = "This key's role does not allow the action." },
        });
    }
}
