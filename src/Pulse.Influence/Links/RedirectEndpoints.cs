using System.Net;
using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Pulse.Collect.Ingest;

namespace Pulse.Influence.Links;

/// <summary>
/// The redirect: <c>/l/{slug}</c> on every host, and <c>/{slug}</c> on the hosts of
/// <c>Links:Domains</c>. It answers from the in-memory route cache and hands the click to
/// <see cref="ClickRecorder"/>, never waiting for the store.
/// </summary>
public static class RedirectEndpoints
{
    public const string VisitorCookie = "pulse_vid";
    public const string ClickCookie = "pulse_click";
    public const string ClickParam = "pclid";
    /// <summary>QR codes carry this parameter, so their scans count apart; it is not passed on.</summary>
    public const string QrParam = "qr";

    public static IEndpointRouteBuilder MapLinkRedirects(this IEndpointRouteBuilder app)
    {
        app.MapMethods("/l/{slug}", ["GET", "POST"], RedirectAsync).ExcludeFromDescription().AllowAnonymous();
        var domains = app.ServiceProvider.GetRequiredService<IOptions<LinksOptions>>().Value.Domains.Where(d => d.Length > 0).ToArray();
        if (domains.Length > 0)
            app.MapMethods("/{slug}", ["GET", "POST"], RedirectAsync).RequireHost(domains).ExcludeFromDescription().AllowAnonymous().WithOrder(-1);
        return app;
    }

    private static async Task RedirectAsync(HttpContext http, string slug)
    {
        var services = http.RequestServices;
        var (canonical, _) = LinkInput.CheckSlug(slug);
        var route = canonical is null ? null : await services.GetRequiredService<LinkRoutes>().FindAsync(canonical);
        var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
        http.Response.Headers.CacheControl = "no-store";
        if (route is not { Enabled: true })
        {
            await PageAsync(http, 404, "Link not found", "This link does not exist or was switched off.");
            return;
        }
        if (route.ExpiresAt is { } expires && expires <= now)
        {
            if (route.ExpiredUrl is { } after)
            {
                http.Response.StatusCode = 302;
                http.Response.Headers.Location = after;
                return;
            }
            await PageAsync(http, 410, "Link expired", "This link has expired.");
            return;
        }
        if (route.PasswordHash is not null)
        {
            string? given = null;
            if (HttpMethods.IsPost(http.Request.Method) && http.Request.HasFormContentType)
                given = (await http.Request.ReadFormAsync(http.RequestAborted))["password"].ToString();
            if (!LinkService.PasswordMatches(route, given))
            {
                await PasswordPageAsync(http, given is not null);
                return;
            }
        }
        else if (HttpMethods.IsPost(http.Request.Method))
        {
            http.Response.StatusCode = 405;
            return;
        }

        var userAgent = http.Request.Headers.UserAgent.ToString();
        var ip = http.Connection.RemoteIpAddress;
        var client = services.GetRequiredService<ClientFacts>().Read(userAgent, ip);
        int? variant = null;
        string destination;
        if (route.Variants is { Count: > 0 } variants)
        {
            var pick = RandomNumberGenerator.GetInt32(variants.Sum(v => v.Weight));
            var i = 0;
            while (pick >= variants[i].Weight)
                pick -= variants[i++].Weight;
            variant = i;
            destination = variants[i].Url;
        }
        else if (route.Geo is { } geo && client.Country is { } country && geo.TryGetValue(country, out var local))
            destination = local;
        else if (route.Ios is { } ios && client.Os is "iOS" or "iPadOS")
            destination = ios;
        else if (route.Android is { } android && client.Os == "Android")
            destination = android;
        else
            destination = route.Destination;

        var query = http.Request.Query;
        var via = query.ContainsKey(QrParam) ? "qr" : "link";
        var reference = query.TryGetValue(route.TrackParam, out var r) && r.ToString() is { Length: > 0 and <= 200 } rv ? rv : null;
        var clickId = Guid.CreateVersion7(now).ToString("N");
        var forwarded = query.Where(q => q.Key != route.TrackParam && q.Key != QrParam && q.Key != ClickParam)
            .Select(q => (q.Key, (string?)q.Value.ToString())).ToList();
        var location = UrlParams.AddMissing(destination, forwarded.Append((ClickParam, clickId)));

        var options = services.GetRequiredService<IOptions<LinksOptions>>().Value;
        var secure = http.Request.IsHttps;
        var visitor = http.Request.Cookies[VisitorCookie] is { Length: 32 } known && known.All(char.IsAsciiHexDigitLower) ? known : Guid.NewGuid().ToString("N");
        http.Response.Cookies.Append(VisitorCookie, visitor, new CookieOptions { MaxAge = TimeSpan.FromDays(400), HttpOnly = true, Secure = secure, SameSite = SameSiteMode.Lax, IsEssential = false });
        http.Response.Cookies.Append(ClickCookie, clickId, new CookieOptions { MaxAge = TimeSpan.FromDays(options.ClickWindowDays), Secure = secure, SameSite = SameSiteMode.Lax });

        var shortUrl = $"{http.Request.Scheme}://{http.Request.Host}{http.Request.Path}";
        var referrer = http.Request.Headers.Referer.ToString() is { Length: > 0 and <= 2048 } rf ? rf : null;
        await services.GetRequiredService<ClickRecorder>().RecordAsync(new Click(route.WriteKey, clickId, visitor, now, route, shortUrl, location, via, reference, variant,
            ip?.ToString(), userAgent.Length == 0 ? null : userAgent, referrer), http.RequestAborted);

        http.Response.StatusCode = route.Status;
        http.Response.Headers.Location = location;
        http.Response.Headers["Referrer-Policy"] = "no-referrer-when-downgrade";
    }

    private static Task PageAsync(HttpContext http, int status, string title, string text)
    {
        http.Response.StatusCode = status;
        http.Response.ContentType = "text/html; charset=utf-8";
        return http.Response.WriteAsync($"<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>{title}</title>"
            + $"<body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\"><h1>{title}</h1><p>{text}</p></body></html>");
    }

    private static Task PasswordPageAsync(HttpContext http, bool wrong)
    {
        http.Response.StatusCode = wrong ? 403 : 401;
        http.Response.ContentType = "text/html; charset=utf-8";
        var action = WebUtility.HtmlEncode(http.Request.Path + http.Request.QueryString);
        return http.Response.WriteAsync("<!doctype html><html lang=en><meta charset=utf-8><meta name=viewport content=\"width=device-width\"><title>Password required</title>"
            + "<body style=\"font-family:sans-serif;max-width:32rem;margin:4rem auto\"><h1>This link is protected</h1>"
            + (wrong ? "<p role=alert>That password is not right.</p>" : "<p>Enter the password you were given.</p>")
            + $"<form method=post action=\"{action}\"><input type=password name=password autofocus required aria-label=Password> <button>Continue</button></form></body></html>");
    }
}
