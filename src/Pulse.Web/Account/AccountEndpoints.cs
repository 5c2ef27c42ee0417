using System.Globalization;
using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Profiles;
using Pulse.Platform;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Http;
using Pulse.Platform.People;
using Pulse.Platform.Setup;
using Pulse.Platform.Storage;
using Pulse.Platform.Workspaces;

namespace Pulse.Web.Account;

/// <summary>
/// Form posts of the panel's account pages. Cookies can only be set on a plain HTTP response, so
/// signing in and out happens here and not inside the interactive circuit. Every form carries an
/// antiforgery token; requests without one are refused with 400.
/// </summary>
public static class AccountEndpoints
{
    public const string WorkspaceCookie = "pulse.ws";

    public static void MapAccount(this IEndpointRouteBuilder app)
    {
        // Browser form posts of the panel, not part of the management API's description.
        var account = app.MapGroup("/account").ExcludeFromDescription();
        account.MapPost("/login", Login).RequireRateLimiting(ApiConventions.LoginRateLimit);
        account.MapPost("/login/2fa", LoginTwoFactor).RequireRateLimiting(ApiConventions.LoginRateLimit);
        account.MapPost("/logout", Logout);
        account.MapGet("/workspace/{id:guid}", SwitchWorkspace).RequireAuthorization();
        app.MapPost("/setup", Setup).RequireRateLimiting(ApiConventions.LoginRateLimit).ExcludeFromDescription();
        app.MapGet("/panel/audit/export", ExportAudit).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/panel/profiles/{anyId}/export", ExportProfile).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/panel/links/{id:guid}/qr.{format}", LinkQrFile).RequireAuthorization().ExcludeFromDescription();
        app.MapGet("/panel/links/{id:guid}/stats.csv", LinkStatsFile).RequireAuthorization().ExcludeFromDescription();
    }

    private static async Task<IResult> Login(
        [FromForm] LoginForm form, HttpContext http, SignInManager<PulseUser> signIn, UserManager<PulseUser> users,
        AuditTrail audit, PulseDbContext db, TimeProvider time)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var email = (form.Email ?? "").Trim();
        if (email.Length is 0 or > 254 || string.IsNullOrEmpty(form.Password) || form.Password.Length > 512)
            return Back("/account/login", "missing", returnUrl);

        var user = await users.FindByEmailAsync(email);
        if (user is null)
        {
            await audit.RecordAsync(db, ActorKinds.Anonymous, email, email, HttpActor.ClientIp(http), HttpActor.UserAgent(http),
                new AuditRecord("auth.login_failed", "user", null, null, AuditSummary.Of(new { reason = "unknown e-mail" })), http.RequestAborted);
            http.RequestServices.GetRequiredService<PlatformMetrics>().Login("failed");
            return Back("/account/login", "invalid", returnUrl);
        }

        var wasLocked = await users.IsLockedOutAsync(user);
        var result = await signIn.PasswordSignInAsync(user, form.Password, form.RememberMe, lockoutOnFailure: true);
        return await AfterSignInAsync(result, wasLocked, user, "password", http, users, audit, db, time, returnUrl, "/account/login");
    }

    private static async Task<IResult> LoginTwoFactor(
        [FromForm] TwoFactorForm form, HttpContext http, SignInManager<PulseUser> signIn, UserManager<PulseUser> users,
        AuditTrail audit, PulseDbContext db, TimeProvider time)
    {
        var returnUrl = SafeReturnUrl(form.ReturnUrl);
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
            return Results.Redirect("/account/login?error=expired");
        var code = (form.Code ?? "").Replace(" ", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
        if (code.Length is < 6 or > 32)
            return Back("/account/login/2fa", "code", returnUrl);
        var wasLocked = await users.IsLockedOutAsync(user);
        var result = code.Length == 6 && code.All(char.IsAsciiDigit)
            ? await signIn.TwoFactorAuthenticatorSignInAsync(code, form.RememberMe, rememberClient: false)
            : await signIn.TwoFactorRecoveryCodeSignInAsync(form.Code!.Trim());
        return await AfterSignInAsync(result, wasLocked, user, "totp", http, users, audit, db, time, returnUrl, "/account/login/2fa");
    }

    private static async Task<IResult> AfterSignInAsync(
        Microsoft.AspNetCore.Identity.SignInResult result, bool wasLocked, PulseUser user, string method, HttpContext http,
        UserManager<PulseUser> users, AuditTrail audit, PulseDbContext db, TimeProvider time, string returnUrl, string page)
    {
        string action;
        string reason;
        IResult response;
        if (result.Succeeded)
        {
            action = "auth.login_succeeded";
            reason = method;
            var partnerOnly = await ChooseWorkspaceAsync(http, user.Id);
            // A partner's own address and browser, for the self-referral checks.
            await http.RequestServices.GetRequiredService<Pulse.Influence.Partners.PartnerAccessService>()
                .RecordSignInAsync(user.Id, HttpActor.ClientIp(http), HttpActor.UserAgent(http), http.RequestAborted);
            response = Results.LocalRedirect(partnerOnly && returnUrl == "/" ? "/partner" : returnUrl);
        }
        else if (result.RequiresTwoFactor)
        {
            // The password was right; the login completes (and is audited) after the code.
            return Results.Redirect("/account/login/2fa?returnUrl=" + Uri.EscapeDataString(returnUrl));
        }
        else if (result.IsLockedOut)
        {
            var until = await users.GetLockoutEndDateAsync(user) ?? time.GetUtcNow();
            action = wasLocked ? "auth.login_refused_locked" : "auth.locked_out";
            reason = "locked until " + until.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " UTC";
            response = Results.Redirect($"{page}?error=locked&until={Uri.EscapeDataString(until.ToString("O", CultureInfo.InvariantCulture))}&returnUrl={Uri.EscapeDataString(returnUrl)}");
        }
        else
        {
            action = "auth.login_failed";
            reason = method == "totp" ? "wrong code" : "wrong password";
            var failed = await users.GetAccessFailedCountAsync(user);
            reason += $" ({failed} in a row)";
            response = Back(page, method == "totp" ? "code" : "invalid", returnUrl);
        }
        await audit.RecordAsync(db, ActorKinds.User, user.Id.ToString(), user.Email ?? user.Id.ToString(), HttpActor.ClientIp(http), HttpActor.UserAgent(http),
            new AuditRecord(action, "user", user.Id.ToString(), null, AuditSummary.Of(new { reason }), user.Id), http.RequestAborted);
        http.RequestServices.GetRequiredService<PlatformMetrics>().Login(action["auth.".Length..].Replace("login_", "", StringComparison.Ordinal));
        return response;
    }

    private static async Task<IResult> Logout(HttpContext http, SignInManager<PulseUser> signIn, AuditTrail audit, PulseDbContext db)
    {
        var id = http.User.FindFirstValue(ClaimTypes.NameIdentifier);
        if (Guid.TryParse(id, out var userId))
        {
            await audit.RecordAsync(db, ActorKinds.User, id!, http.User.Identity?.Name ?? id!, HttpActor.ClientIp(http), HttpActor.UserAgent(http),
                new AuditRecord("auth.logout", "user", id, null, null, userId), http.RequestAborted);
        }
        await signIn.SignOutAsync();
        return Results.Redirect("/account/login");
    }

    private static async Task<IResult> SwitchWorkspace(Guid id, string? returnUrl, HttpContext http, MemberService members)
    {
        if (!Guid.TryParse(http.User.FindFirstValue(ClaimTypes.NameIdentifier), out var userId)
            || await members.RoleOfAsync(userId, id, http.RequestAborted) is null)
            return Results.Problem(statusCode: 404, title: "Not found", detail: "Workspace was not found.", type: ProblemTypes.NotFound);
        RememberWorkspace(http, id);
        return Results.LocalRedirect(SafeReturnUrl(returnUrl));
    }

    /// <summary>The workspace the panel opens in this browser, until the person switches (a year).</summary>
    private static void RememberWorkspace(HttpContext http, Guid id) =>
        http.Response.Cookies.Append(WorkspaceCookie, id.ToString(), new CookieOptions
        {
            HttpOnly = true, SameSite = SameSiteMode.Lax, Secure = http.Request.IsHttps, MaxAge = TimeSpan.FromDays(365), Path = "/",
        });

    /// <summary>
    /// After a sign-in: the panel opens the workspace this browser used last, when the person still
    /// belongs to it; otherwise (a first sign-in here) the one of theirs with the most recent data,
    /// so the demo's owner lands in the shop, not in the empty agency.
    /// </summary>
    /// <returns>Whether the person is only a partner (they land in the partner portal).</returns>
    private static async Task<bool> ChooseWorkspaceAsync(HttpContext http, Guid userId)
    {
        var all = await http.RequestServices.GetRequiredService<WorkspaceService>().ListForUserAsync(userId, http.RequestAborted);
        var mine = all.Where(w => w.Role != WorkspaceRole.Partner).Select(w => w.Id).ToList();
        if (mine.Count == 0 || mine.Any(w => w.ToString() == http.Request.Cookies[WorkspaceCookie]))
            return mine.Count == 0 && all.Count > 0;
        var busiest = mine.Count > 1 ? http.RequestServices.GetRequiredService<Pulse.Collect.Events.EventQueries>().Busiest(mine) : null;
        RememberWorkspace(http, busiest ?? mine[0]);
        return false;
    }

    private static async Task<IResult> Setup(
        [FromForm] SetupForm form, HttpContext http, SetupTokens tokens, UserService people, WorkspaceService workspaces,
        SignInManager<PulseUser> signIn, UserManager<PulseUser> users)
    {
        var token = form.Token ?? "";
        if (!tokens.IsValid(token) || await people.AnyAsync(http.RequestAborted))
            return Results.Redirect("/setup?error=token");
        var back = $"/setup?token={Uri.EscapeDataString(token)}";
        if (form.Password != form.ConfirmPassword)
            return Results.Redirect(back + "&error=confirm");
        UserDto created;
        try
        {
            var name = string.IsNullOrWhiteSpace(form.Workspace) ? "Default" : Validate.Name("workspace", form.Workspace);
            if (!tokens.TryConsume(token))
                return Results.Redirect("/setup?error=token");
            created = await people.CreateAsync(null, form.Email, form.Password, null, http.RequestAborted);
            await workspaces.CreateAsync(name, created.Id, null, http.RequestAborted);
        }
        catch (ValidationException e)
        {
            // The token was used only if the account was not created; issue the same one again.
            return Results.Redirect("/setup?error=" + Uri.EscapeDataString(string.Join(" ", e.Errors.SelectMany(x => x.Value))) + "&token=" + Uri.EscapeDataString(tokens.Issue()));
        }
        var user = await users.FindByIdAsync(created.Id.ToString());
        await signIn.SignInAsync(user!, isPersistent: false);
        return Results.Redirect("/");
    }

    private static async Task ExportAudit(HttpContext http, WorkspaceService workspaces, AuditQueries audit, string? action, string? actor) =>
        await AuditEndpoints.WriteCsvAsync(http, await PanelActorAsync(http, workspaces), new AuditFilter(action, actor), audit, http.RequestAborted);

    private static async Task ExportProfile(HttpContext http, WorkspaceService workspaces, ProfileService profiles, string anyId)
    {
        var who = await PanelActorAsync(http, workspaces);
        // Resolve first, so an unknown id or a missing permission is a problem response, not a broken download.
        var profile = await profiles.GetAsync(who, anyId, null, http.RequestAborted);
        who.Demand(Permission.ProfilesManage);
        http.Response.ContentType = "application/json; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"profile-{profile.Id}.json\"";
        await profiles.ExportAsync(who, anyId, http.Response.Body, http.RequestAborted);
    }

    private static async Task<IResult> LinkQrFile(Guid id, string format, int? size, bool? logo, HttpContext http, WorkspaceService workspaces, Pulse.Influence.Links.LinkService links,
        Pulse.Influence.Links.QrLogoService logos)
    {
        var who = await PanelActorAsync(http, workspaces);
        if (format is not ("png" or "svg"))
            throw new NotFoundException("The QR format");
        Pulse.Influence.Links.LinkQr.CheckSize(size);
        links.BaseUrl = LinkBase(http);
        var link = await links.GetAsync(who, id, http.RequestAborted);
        return Pulse.Influence.Links.LinkQr.File(link, format, size, logo == true ? await logos.LogoAsync(who, http.RequestAborted) : null);
    }

    private static async Task<IResult> LinkStatsFile(Guid id, DateTimeOffset? from, HttpContext http, WorkspaceService workspaces, Pulse.Influence.Links.LinkService links)
    {
        links.BaseUrl = LinkBase(http);
        return await Pulse.Influence.Links.LinkEndpoints.StatsFileAsync(links, await PanelActorAsync(http, workspaces), id, from, http.RequestAborted);
    }

    private static string LinkBase(HttpContext http) =>
        http.RequestServices.GetRequiredService<Microsoft.Extensions.Options.IOptions<Pulse.Influence.Links.LinksOptions>>().Value.BaseUrl is { Length: > 0 } b
            ? b : $"{http.Request.Scheme}://{http.Request.Host}";

    /// <summary>The signed-in person in the workspace the panel shows: the one chosen in the switcher, else the first, as WorkspaceSession picks it.</summary>
    private static async Task<Actor> PanelActorAsync(HttpContext http, WorkspaceService workspaces)
    {
        var userId = Guid.Parse(http.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var mine = await workspaces.ListForUserAsync(userId, http.RequestAborted);
        var current = mine.FirstOrDefault(w => w.Id.ToString() == http.Request.Cookies[WorkspaceCookie]) ?? mine.FirstOrDefault()
            ?? throw new NotFoundException("Workspace");
        return new Actor(ActorKinds.User, userId.ToString(), http.User.Identity?.Name ?? "", current.Id, current.Role, HttpActor.ClientIp(http), HttpActor.UserAgent(http));
    }

    private static IResult Back(string page, string error, string returnUrl) =>
        Results.Redirect($"{page}?error={error}&returnUrl={Uri.EscapeDataString(returnUrl)}");

    /// <summary>Only paths of this site: never an open redirect to another host.</summary>
    public static string SafeReturnUrl(string? url) =>
        !string.IsNullOrEmpty(url) && url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal)
            && !url.StartsWith("/\\", StringComparison.Ordinal) && url.Length < 2000
            ? url
            : "/";

    public sealed class LoginForm
    {
        public string? Email { get; set; }
        public string? Password { get; set; }
        public bool RememberMe { get; set; }
        public string? ReturnUrl { get; set; }
    }

    public sealed class TwoFactorForm
    {
        public string? Code { get; set; }
        public bool RememberMe { get; set; }
        public string? ReturnUrl { get; set; }
    }

    public sealed class SetupForm
    {
        public string? Token { get; set; }
        public string? Email { get; set; }
        public string? Password { get; set; }
        public string? ConfirmPassword { get; set; }
        public string? Workspace { get; set; }
    }
}
