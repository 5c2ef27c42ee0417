using System.Collections.Frozen;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Pulse.Influence.Links;

/// <summary>Checks links: slugs, destinations (http and https only) and targeting.</summary>
public static partial class LinkInput
{
    public const int MaxSlug = 64;
    public const int MaxUrl = 2048;
    public const int MaxVariants = 10;
    public const int MaxGeo = 100;
    public const int GeneratedLength = 7;
    private const string Alphabet = "abcdefghijkmnpqrstuvwxyz23456789";

    /// <summary>
    /// Words a slug may not be: every first path segment the panel, the API, ingest and the partner
    /// portal answer (a link domain serves <c>/{slug}</c>, so a slug must never shadow them), and
    /// words people would take for the product's own pages.
    /// </summary>
    public static FrozenSet<string> Reserved { get; } = new[]
    {
        "account", "admin", "alerts", "api", "apikeys", "app", "assets", "attribution", "audiences", "audit", "campaigns", "collect", "creators", "creator-groups",
        "css", "dashboard", "destinations", "docs", "events", "favicon.ico", "health", "healthz", "help", "images", "img", "insights", "js", "l", "links", "listening",
        "login", "logout", "members", "metrics", "not-found", "openapi", "p", "p.gif", "panel", "partner", "partners", "profiles", "qr", "quarantine", "ready",
        "robots.txt", "scalar", "settings", "setup", "signin", "signout", "sources", "static", "t", "t.js", "tracking-plans", "v1", "workspaces", "www",
        "_blazor", "_content", "_framework",
    }.ToFrozenSet(StringComparer.Ordinal);

    /// <summary>The slug in canonical (lower-case) form, or why it cannot be one.</summary>
    public static (string? Slug, string? Error) CheckSlug(string text)
    {
        var v = text.Trim();
        if (v.Length is 0 or > MaxSlug)
            return (null, $"A slug is 1 to {MaxSlug} characters.");
        if (v.Any(ch => ch > 127))
            return (null, $"'{Clip(v)}' has characters outside a-z, 0-9, '-' and '_' (letters that only look Latin are refused).");
        v = v.ToLowerInvariant();
        if (!SlugPattern().IsMatch(v))
            return (null, $"'{Clip(v)}' is not a slug: use a-z, 0-9, '-' and '_', starting and ending with a letter or digit (no '/', '.' or spaces).");
        if (Reserved.Contains(v))
            return (null, $"'{v}' is reserved for Pulse's own pages; choose another slug.");
        return (v, null);
    }

    /// <summary>A random slug of <see cref="GeneratedLength"/> characters without look-alikes (no l, o, 0, 1).</summary>
    public static string NewSlug()
    {
        Span<char> chars = stackalloc char[GeneratedLength];
        for (var i = 0; i < chars.Length; i++)
            chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return new string(chars);
    }

    /// <summary>An absolute http or https address without credentials, or why not; <c>javascript:</c>, <c>data:</c> and every other scheme are refused.</summary>
    public static (string? Url, string? Error) CheckUrl(string? text)
    {
        var v = (text ?? "").Trim();
        if (v.Length == 0)
            return (null, "A destination address is required.");
        if (v.Length > MaxUrl)
            return (null, $"The address is longer than {MaxUrl} characters.");
        if (v.Any(char.IsControl))
            return (null, "The address has control characters.");
        if (!Uri.TryCreate(v, UriKind.Absolute, out var uri))
            return (null, $"'{Clip(v)}' is not an absolute address (start it with https://).");
        if (uri.Scheme is not ("http" or "https"))
            return (null, $"Only http and https addresses are allowed, not '{uri.Scheme}:'.");
        if (uri.UserInfo.Length > 0)
            return (null, "The address may not carry a user name or password.");
        if (uri.Host.Length == 0)
            return (null, "The address has no host.");
        return (uri.AbsoluteUri, null);
    }

    public static string? CheckCountry(string code)
    {
        var v = code.Trim().ToUpperInvariant();
        if (v.Length != 2 || !v.All(char.IsAsciiLetterUpper))
            return null;
        try
        {
            return new RegionInfo(v).TwoLetterISORegionName == v ? v : null;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    public static bool IsPlainName(string v) => v.Length is > 0 and <= 40 && v.All(ch => char.IsAsciiLetterOrDigit(ch) || ch is '_' or '-');

    private static string Clip(string s) => s.Length <= 60 ? s : s[..60] + "…";

    [GeneratedRegex("^[a-z0-9](?:[a-z0-9_-]{0,62}[a-z0-9])?$")]
    private static partial Regex SlugPattern();
}
