using System.Security.Claims;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Influence.Commissions;
using Pulse.Influence.Links;
using Pulse.Influence.Partners;
using Pulse.Platform.Access;
using Pulse.Platform.Http;
using Pulse.Platform.People;
using Pulse.Platform.Workspaces;
using Pulse.Web.Session;

namespace Pulse.Web.Account;

/// <summary>
/// The partner portal's plain HTTP parts: accepting an invitation (it signs the person in, which
/// needs a cookie on a plain response) and the downloads (CSV, QR codes, statements). Each download
/// asks <see cref="PartnerService"/>, which answers only about the signed-in partner's own creator.
/// </summary>
public static class PartnerEndpoints
{
    public static void MapPartnerPortal(this IEndpointRouteBuilder app)
    {
        var partner = app.MapGroup("/partner").ExcludeFromDescription();
        partner.MapPost("/join", Join).RequireRateLimiting(ApiConventions.LoginRateLimit);
        partner.MapGet("/export/{kind}.csv", Export).RequireAuthorization();
        partner.MapGet("/qr/{id:guid}.{format}", Qr).RequireAuthorization();
        partner.MapGet("/statement/{month}.{format}", Statement).RequireAuthorization();
    }

    private static async Task<IResult> Join([FromForm] JoinForm form, HttpContext http, PartnerAccessService access, SignInManager<PulseUser> signIn, UserManager<PulseUser> users)
    {
        var token = form.Token ?? "";
        var back = $"/partner/join?token={Uri.EscapeDataString(token)}";
        if (form.ConfirmPassword is not null && form.Password != form.ConfirmPassword)
            return Results.Redirect(back + "&error=confirm");
        Guid userId;
        try
        {
            userId = await access.AcceptAsync(token, form.Password, http.RequestAborted);
        }
        catch (ValidationException e)
        {
            return Results.Redirect(back + "&error=" + Uri.EscapeDataString(e.Errors.Values.SelectMany(v => v).FirstOrDefault() ?? "invalid"));
        }
        catch (ConflictException e)
        {
            return Results.Redirect(back + "&error=" + Uri.EscapeDataString(e.Message));
        }
        var user = await users.FindByIdAsync(userId.ToString()) ?? throw new InvalidOperationException("The partner's account was not found.");
        // An account with a second factor signs in the usual way, with it: the invitation proved the password only.
        if (await users.GetTwoFactorEnabledAsync(user))
            return Results.Redirect("/account/login?returnUrl=" + Uri.EscapeDataString("/partner"));
        await signIn.SignInAsync(user, isPersistent: false);
        await access.RecordSignInAsync(userId, HttpActor.ClientIp(http), HttpActor.UserAgent(http), http.RequestAborted);
        return Results.LocalRedirect("/partner");
    }

    private static async Task Export(string kind, HttpContext http, WorkspaceService workspaces, PartnerService partners)
    {
        var who = await PartnerActorAsync(http, workspaces);
        await partners.MeAsync(who, http.RequestAborted);
        if (kind is not ("links" or "conversions" or "commissions"))
            throw new NotFoundException("The export");
        partners.BaseUrl = BaseUrl(http);
        http.Response.ContentType = "text/csv; charset=utf-8";
        http.Response.Headers.ContentDisposition = $"attachment; filename=\"{kind}.csv\"";
        await partners.ExportAsync(who, kind, http.Response.Body, http.RequestAborted);
    }

    private static async Task<IResult> Qr(Guid id, string format, int? size, bool? logo, HttpContext http, WorkspaceService workspaces, PartnerService partners, QrLogoService logos)
    {
        var who = await PartnerActorAsync(http, workspaces);
        if (format is not ("png" or "svg"))
            throw new NotFoundException("The QR format");
        LinkQr.CheckSize(size);
        partners.BaseUrl = BaseUrl(http);
        var link = await partners.LinkAsync(who, id, http.RequestAborted);
        return LinkQr.File(link, format, size, logo == true ? await logos.LogoAsync(who, http.RequestAborted) : null);
    }

    private static async Task<IResult> Statement(string month, string format, string? currency, HttpContext http, WorkspaceService workspaces, PartnerService partners)
    {
        var who = await PartnerActorAsync(http, workspaces);
        if (format is not ("csv" or "html"))
            throw new NotFoundException("The statement format");
        var s = await partners.StatementAsync(who, month, currency, http.RequestAborted);
        if (format == "html")
            return Results.Content(CommissionService.Html(s), "text/html; charset=utf-8");
        var buffer = new MemoryStream();
        await CommissionService.WriteCsvAsync(s, buffer, http.RequestAborted);
        return Results.File(buffer.ToArray(), "text/csv; charset=utf-8", $"statement-{s.Month}.csv");
    }

    /// <summary>The signed-in person as a partner, in the workspace the portal shows.</summary>
    private static async Task<Actor> PartnerActorAsync(HttpContext http, WorkspaceService workspaces)
    {
        var userId = Guid.Parse(http.User.FindFirstValue(ClaimTypes.NameIdentifier)!);
        var mine = await workspaces.ListForUserAsync(userId, http.RequestAborted);
        var partner = WorkspaceSession.PickPartner(mine, http.Request.Cookies[AccountEndpoints.WorkspaceCookie])
            ?? throw new ForbiddenException("The partner portal is for partners; this account is not a partner of any workspace.");
        return new Actor(ActorKinds.User, userId.ToString(), http.User.Identity?.Name ?? "", partner.Id, WorkspaceRole.Partner, HttpActor.ClientIp(http), HttpActor.UserAgent(http));
    }

    private static string BaseUrl(HttpContext http) =>
        http.RequestServices.GetRequiredService<IOptions<LinksOptions>>().Value.BaseUrl is { Length: > 0 } b ? b : $"{http.Request.Scheme}://{http.Request.Host}";

    public sealed class JoinForm
    {
        public string? Token { get; set; }
        public string? Password { get; set; }
        public string? ConfirmPassword { get; set; }
    }
}
