using System.Buffers;

namespace Pulse.Collect.Enrichment;

/// <summary>What a landing URL carries: host, path, UTM parameters and ad click ids.</summary>
public sealed record PageUrlInfo(
    string? Host, string? Path,
    string? UtmSource, string? UtmMedium, string? UtmCampaign, string? UtmTerm, string? UtmContent,
    string? Fbclid, string? Ttclid, string? LiFatId, string? Gclid, string? Msclkid)
{
    public static readonly PageUrlInfo Empty = new(null, null, null, null, null, null, null, null, null, null, null, null);
}

/// <summary>Reads a page URL's query string for UTM parameters and the click ids of Meta, TikTok, LinkedIn, Google and Microsoft ads.</summary>
public static class PageUrl
{
    public const int MaxValueLength = 500;

    public static PageUrlInfo Parse(string? url)
    {
        if (string.IsNullOrEmpty(url))
            return PageUrlInfo.Empty;
        if (TrySplitPlain(url, out var plainHost, out var plainPath, out var plainQuery))
            return FromParts(plainHost, plainPath, plainQuery);
        return ParseWithUri(url);
    }

    /// <summary>The general road, through System.Uri (the fast road must agree with it; a test holds them together).</summary>
    internal static PageUrlInfo ParseWithUri(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return PageUrlInfo.Empty;
        return FromParts(uri.Host.ToLowerInvariant(), uri.AbsolutePath, SentQuery(url));
    }

    /// <summary>
    /// The query as it was sent (after the first <c>?</c>, before any <c>#</c>), not <see cref="Uri.Query"/>:
    /// Uri escapes it once more, and a stray <c>%</c> before a character it escaped then decodes to
    /// something else than was sent ("%9😀" came back as two replacement characters).
    /// </summary>
    private static ReadOnlySpan<char> SentQuery(string url)
    {
        var span = url.AsSpan();
        var fragment = span.IndexOf('#');
        if (fragment >= 0)
            span = span[..fragment];
        var q = span.IndexOf('?');
        return q < 0 ? default : span[(q + 1)..];
    }

    // Characters of a path that System.Uri would escape or rewrite; such paths take the slow road.
    private static readonly SearchValues<char> PathSpecials = SearchValues.Create(" \"<>`{}|^\\%\t\r\n");
    private static readonly SearchValues<char> HostChars = SearchValues.Create("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.");

    /// <summary>
    /// The common case without System.Uri (the costliest step of enrichment): an http(s) URL with a
    /// plain DNS host, optional port, and a path Uri would leave as it is. Anything else returns
    /// false and is parsed by System.Uri, so both roads give the same answer.
    /// </summary>
    private static bool TrySplitPlain(string url, out string host, out string path, out ReadOnlySpan<char> query)
    {
        host = path = "";
        query = default;
        var span = url.AsSpan();
        int start;
        if (span.StartsWith("https://", StringComparison.OrdinalIgnoreCase))
            start = 8;
        else if (span.StartsWith("http://", StringComparison.OrdinalIgnoreCase))
            start = 7;
        else
            return false;
        var rest = span[start..];
        var authorityEnd = rest.IndexOfAny('/', '?', '#');
        var authority = authorityEnd < 0 ? rest : rest[..authorityEnd];
        var colon = authority.IndexOf(':');
        var hostPart = colon < 0 ? authority : authority[..colon];
        if (colon >= 0 && (!int.TryParse(authority[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var port) || port > 65535))
            return false;
        // The last label must start with a letter, as every DNS name's does: hosts such as 0x7f.1
        // are IPv4 forms that Uri rewrites. Empty labels (dots at the ends or in a row) and labels
        // that start or end with a hyphen are left to it too (it refuses some, as 1.-a.example).
        if (hostPart.IsEmpty || hostPart.ContainsAnyExcept(HostChars) || !char.IsAsciiLetter(hostPart[(hostPart.LastIndexOf('.') + 1)..] is { IsEmpty: false } last ? last[0] : '0')
            || !PlainLabels(hostPart))
            return false;
        var after = authorityEnd < 0 ? ReadOnlySpan<char>.Empty : rest[authorityEnd..];
        var fragment = after.IndexOf('#');
        if (fragment >= 0)
            after = after[..fragment];
        var q = after.IndexOf('?');
        var pathPart = q < 0 ? after : after[..q];
        if (pathPart.ContainsAny(PathSpecials) || pathPart.Contains("/.", StringComparison.Ordinal) || pathPart.ContainsAnyInRange('\u0080', '\uffff'))
            return false;
        host = hostPart.ContainsAnyInRange('A', 'Z') ? hostPart.ToString().ToLowerInvariant() : hostPart.ToString();
        path = pathPart.IsEmpty ? "/" : pathPart.ToString();
        query = q < 0 ? default : after[(q + 1)..];
        return true;
    }

    /// <summary>Every dot-separated label is a letter or digit at both ends (hyphens only inside).</summary>
    private static bool PlainLabels(ReadOnlySpan<char> host)
    {
        foreach (var range in host.Split('.'))
        {
            var label = host[range];
            if (label.IsEmpty || label[0] == '-' || label[^1] == '-')
                return false;
        }
        return true;
    }

    private static PageUrlInfo FromParts(string host, string path, ReadOnlySpan<char> query)
    {
        string? source = null, medium = null, campaign = null, term = null, content = null;
        string? fbclid = null, ttclid = null, liFatId = null, gclid = null, msclkid = null;
        foreach (var range in query.Split('&'))
        {
            var pair = query[range];
            var eq = pair.IndexOf('=');
            if (eq <= 0)
                continue;
            var key = pair[..eq];
            var raw = pair[(eq + 1)..];
            if (raw.IsEmpty)
                continue;
            switch (key)
            {
                case "utm_source": source ??= Decode(raw); break;
                case "utm_medium": medium ??= Decode(raw); break;
                case "utm_campaign": campaign ??= Decode(raw); break;
                case "utm_term": term ??= Decode(raw); break;
                case "utm_content": content ??= Decode(raw); break;
                case "fbclid": fbclid ??= Decode(raw); break;
                case "ttclid": ttclid ??= Decode(raw); break;
                case "li_fat_id": liFatId ??= Decode(raw); break;
                case "gclid": gclid ??= Decode(raw); break;
                case "msclkid": msclkid ??= Decode(raw); break;
            }
        }
        return new PageUrlInfo(host, Clip(path),
            source, medium, campaign, term, content, fbclid, ttclid, liFatId, gclid, msclkid);
    }

    private static string? Decode(ReadOnlySpan<char> raw)
    {
        // Most values need no decoding: one string, no intermediate ones.
        if (!raw.ContainsAny('%', '+') && !char.IsWhiteSpace(raw[0]) && !char.IsWhiteSpace(raw[^1]))
            return raw.Length > MaxValueLength ? Clip(raw).ToString() : raw.ToString();
        string value;
        try
        {
            value = Uri.UnescapeDataString(raw.ToString().Replace('+', ' ')).Trim();
        }
        catch (UriFormatException)
        {
            return null;
        }
        if (value.Length == 0)
            return null;
        return Clip(value);
    }

    /// <summary>At most <see cref="MaxValueLength"/> characters, never cutting a surrogate pair in half (which no UTF-8 column could hold).</summary>
    private static string Clip(string s) => s.Length > MaxValueLength ? Clip(s.AsSpan()).ToString() : s;

    private static ReadOnlySpan<char> Clip(ReadOnlySpan<char> s) =>
        s.Length <= MaxValueLength ? s : s[..(char.IsHighSurrogate(s[MaxValueLength - 1]) ? MaxValueLength - 1 : MaxValueLength)];
}
