using System.Collections.Frozen;
using System.Text.Json;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Events;
using Pulse.Collect.Sources;
using Pulse.Influence.Creators;
using Pulse.Influence.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Cluster;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Influence.Links;

/// <summary>Checking what a request sets on a link: destinations, slug, UTM fields, targeting, password, variants.</summary>
public sealed partial class LinkService
{
    private void Apply(Link row, UpdateLinkRequest r, Dictionary<string, string[]> errors, bool creating)
    {
        if (r.Url is not null || creating)
        {
            var (url, e) = LinkInput.CheckUrl(r.Url);
            if (e is not null)
                errors["url"] = [e];
            else
                row.Url = url!;
        }
        if (r.Slug is not null)
        {
            var (slug, e) = LinkInput.CheckSlug(r.Slug);
            if (e is not null)
                errors["slug"] = [e];
            else
                row.Slug = slug!;
        }
        if (r.CreatorId is { } creator)
            row.CreatorId = creator == Guid.Empty ? null : creator;
        row.Campaign = Text(r.Campaign, row.Campaign, "campaign", 200, errors);
        row.Title = Text(r.Title, row.Title, "title", 200, errors);
        row.Content = Text(r.Content, row.Content, "content", 200, errors);
        if (r.Platform is not null)
        {
            var p = r.Platform.Trim().ToLowerInvariant();
            if (p.Length == 0)
                row.Platform = null;
            else if (Handles.ParsePlatform(p) is { } sp)
                row.Platform = Handles.Name(sp);
            else if (LinkInput.IsPlainName(p))
                row.Platform = p;
            else
                errors["platform"] = [$"'{r.Platform}' is not a platform name (instagram, tiktok, youtube, newsletter …: letters, digits, '-' and '_')."];
        }
        if (r.Medium is not null)
        {
            var m = r.Medium.Trim().ToLowerInvariant();
            if (m is "influencer" or "affiliate")
                row.Medium = m;
            else
                errors["medium"] = ["utm_medium is influencer or affiliate."];
        }
        if (r.Utm is { } utm)
            row.Utm = utm;
        if (r.Redirect is { } status)
        {
            if (status is 301 or 302)
                row.RedirectStatus = status;
            else
                errors["redirect"] = ["A link redirects with 302 (default) or 301."];
        }
        if (r.Enabled is { } enabled)
            row.Enabled = enabled;
        if (r.ExpiresAt is { } expires)
        {
            if (creating && expires <= _time.GetUtcNow())
                errors["expiresAt"] = ["The expiry is in the past."];
            row.ExpiresAt = expires;
        }
        row.ExpiredUrl = OptionalUrl(r.ExpiredUrl, row.ExpiredUrl, "expiredUrl", errors, appSchemes: false);
        row.IosUrl = OptionalUrl(r.Ios, row.IosUrl, "ios", errors, appSchemes: true);
        row.AndroidUrl = OptionalUrl(r.Android, row.AndroidUrl, "android", errors, appSchemes: true);
        if (r.Password is not null)
        {
            if (r.Password.Length == 0)
                row.PasswordHash = null;
            else if (r.Password.Length is < 4 or > 200)
                errors["password"] = ["A link's password is 4 to 200 characters."];
            else
                row.PasswordHash = Hasher.HashPassword(row, r.Password);
        }
        if (r.Geo is not null)
        {
            if (r.Geo.Count > LinkInput.MaxGeo)
                errors["geo"] = [$"At most {LinkInput.MaxGeo} countries."];
            var geo = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (code, url) in r.Geo)
            {
                if (LinkInput.CheckCountry(code) is not { } cc)
                {
                    errors[$"geo.{code}"] = [$"'{code}' is not an ISO 3166-1 alpha-2 country code."];
                    continue;
                }
                var (u, e) = LinkInput.CheckUrl(url);
                if (e is not null)
                    errors[$"geo.{cc}"] = [e];
                else
                    geo[cc] = u!;
            }
            row.GeoTargets = geo.Count == 0 ? null : JsonSerializer.Serialize(geo, LinksStoreJson.Default.DictionaryStringString);
        }
        if (r.Variants is not null)
        {
            if (r.Variants.Count > LinkInput.MaxVariants)
                errors["variants"] = [$"At most {LinkInput.MaxVariants} variants."];
            var list = new List<VariantDto>();
            for (var i = 0; i < r.Variants.Count; i++)
            {
                var (u, e) = LinkInput.CheckUrl(r.Variants[i]?.Url);
                if (e is not null)
                    errors[$"variants[{i}].url"] = [e];
                var w = r.Variants[i]?.Weight ?? 1;
                if (w is < 1 or > 1000)
                    errors[$"variants[{i}].weight"] = ["A weight is 1 to 1000."];
                if (e is null)
                    list.Add(new VariantDto(u, w));
            }
            if (list.Count == 1)
                errors["variants"] = ["An A/B split needs two destinations or more."];
            row.Variants = list.Count == 0 ? null : JsonSerializer.Serialize(list, LinksStoreJson.Default.ListVariantDto);
        }
        if (r.TrackParam is not null)
        {
            var t = r.TrackParam.Trim();
            if (!LinkInput.IsPlainName(t) || t.StartsWith("utm_", StringComparison.Ordinal) || t == "pclid")
                errors["trackParam"] = ["The tracking parameter is a plain name (letters, digits, '-', '_'), not utm_… or pclid."];
            else
                row.TrackParam = t;
        }
    }

    private static string? Text(string? given, string? current, string field, int max, Dictionary<string, string[]> errors)
    {
        if (given is null)
            return current;
        var v = given.Trim();
        if (v.Length > max || v.Any(char.IsControl))
        {
            errors[field] = [$"{field} is at most {max} characters without control characters."];
            return current;
        }
        return v.Length == 0 ? null : v;
    }

    private static readonly string[] RefusedSchemes = ["javascript", "data", "vbscript", "file", "about", "blob"];

    private static string? OptionalUrl(string? given, string? current, string field, Dictionary<string, string[]> errors, bool appSchemes)
    {
        if (given is null)
            return current;
        if (given.Trim().Length == 0)
            return null;
        var (url, e) = LinkInput.CheckUrl(given);
        if (e is null)
            return url;
        // Deep links may use the app's own scheme (myshop://product/42); never script or data schemes.
        if (appSchemes && Uri.TryCreate(given.Trim(), UriKind.Absolute, out var uri) && !RefusedSchemes.Contains(uri.Scheme)
            && uri.Scheme.Length >= 2 && given.Length <= LinkInput.MaxUrl && !given.Any(char.IsControl))
            return uri.OriginalString;
        errors[field] = [appSchemes ? e.Replace("Only http and https addresses are allowed", "Only http, https or an app's own scheme are allowed", StringComparison.Ordinal) : e];
        return current;
    }
}
