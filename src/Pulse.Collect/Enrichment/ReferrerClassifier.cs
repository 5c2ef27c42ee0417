using System.Text.Json;

namespace Pulse.Collect.Enrichment;

/// <summary>Where a visit came from: the referrer's domain, its kind and, when known, its name.</summary>
internal sealed record ReferrerInfo(string? Domain, string Type, string? Name);

/// <summary>
/// Classifies referrers as social (by network), search (by engine), email, internal (same site),
/// direct (none) or other, from a list of domains shipped as data (<c>referrers.json</c>). More
/// specific entries win (<c>mail.google.com</c> is e-mail although <c>google.*</c> is search).
/// </summary>
internal sealed class ReferrerClassifier
{
    public const string Social = "social";
    public const string Search = "search";
    public const string Email = "email";
    public const string Internal = "internal";
    public const string Direct = "direct";
    public const string Other = "other";

    private readonly List<(string Domain, bool AnyTld, string Type, string Name)> _entries = [];

    public ReferrerClassifier()
    {
        using var doc = JsonDocument.Parse(UserAgentParser.Resource("referrers.json"));
        foreach (var kind in doc.RootElement.EnumerateObject())
        {
            foreach (var named in kind.Value.EnumerateObject())
            {
                foreach (var d in named.Value.EnumerateArray())
                {
                    var domain = d.GetString()!;
                    var anyTld = domain.EndsWith(".*", StringComparison.Ordinal);
                    _entries.Add((anyTld ? domain[..^2] : domain, anyTld, kind.Name, named.Name));
                }
            }
        }
        // Longest (most specific) first.
        _entries.Sort((a, b) => b.Domain.Length.CompareTo(a.Domain.Length));
    }

    /// <param name="referrer">The referring URL (absolute) or null.</param>
    /// <param name="pageHost">The host of the page visited, to recognise internal navigation.</param>
    public ReferrerInfo Classify(string? referrer, string? pageHost)
    {
        if (string.IsNullOrWhiteSpace(referrer))
            return new ReferrerInfo(null, Direct, null);
        if (!Uri.TryCreate(referrer, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https" or "android-app"))
            return new ReferrerInfo(null, Other, null);
        var host = uri.Host.ToLowerInvariant();
        if (host.StartsWith("www.", StringComparison.Ordinal))
            host = host[4..];
        if (uri.Scheme == "android-app")
        {
            // android-app://com.google.android.gm/ is Gmail, com.instagram.android is Instagram …
            return host switch
            {
                "com.google.android.gm" => new ReferrerInfo(host, Email, "Gmail"),
                "com.google.android.googlequicksearchbox" => new ReferrerInfo(host, Search, "Google"),
                "com.instagram.android" => new ReferrerInfo(host, Social, "Instagram"),
                "com.facebook.katana" => new ReferrerInfo(host, Social, "Facebook"),
                "com.zhiliaoapp.musically" => new ReferrerInfo(host, Social, "TikTok"),
                "com.linkedin.android" => new ReferrerInfo(host, Social, "LinkedIn"),
                _ => new ReferrerInfo(host, Other, null),
            };
        }
        var page = pageHost?.ToLowerInvariant();
        if (page is not null && (page == host || page == "www." + host || page.EndsWith("." + host, StringComparison.Ordinal)))
            return new ReferrerInfo(host, Internal, null);
        foreach (var e in _entries)
        {
            if (e.AnyTld ? MatchesAnyTld(host, e.Domain) : host == e.Domain || host.EndsWith("." + e.Domain, StringComparison.Ordinal))
                return new ReferrerInfo(host, e.Type, e.Name);
        }
        return new ReferrerInfo(host, Other, null);
    }

    /// <summary><c>google</c> matches google.com, google.co.uk, news.google.pl …</summary>
    private static bool MatchesAnyTld(string host, string label)
    {
        var at = host.StartsWith(label + ".", StringComparison.Ordinal) ? 0 : host.IndexOf("." + label + ".", StringComparison.Ordinal) + 1;
        if (at < 0 || (at == 0 && !host.StartsWith(label + ".", StringComparison.Ordinal)))
            return false;
        var tld = host[(at + label.Length + 1)..];
        return tld.Length is >= 2 and <= 6 && tld.Split('.').Length <= 2;
    }
}
