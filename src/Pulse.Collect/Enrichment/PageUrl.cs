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
        if (string.IsNullOrEmpty(url) || !Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
            return PageUrlInfo.Empty;
        string? source = null, medium = null, campaign = null, term = null, content = null;
        string? fbclid = null, ttclid = null, liFatId = null, gclid = null, msclkid = null;
        var query = uri.Query.AsSpan();
        if (query.Length > 0 && query[0] == '?')
            query = query[1..];
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
        var path = uri.AbsolutePath;
        return new PageUrlInfo(uri.Host.ToLowerInvariant(), path.Length > MaxValueLength ? path[..MaxValueLength] : path,
            source, medium, campaign, term, content, fbclid, ttclid, liFatId, gclid, msclkid);
    }

    private static string? Decode(ReadOnlySpan<char> raw)
    {
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
        return value.Length > MaxValueLength ? value[..MaxValueLength] : value;
    }
}
