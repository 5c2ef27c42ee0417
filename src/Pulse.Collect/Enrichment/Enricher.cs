using System.Net;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Enrichment;

/// <summary>What the enricher reads of one message (all optional).</summary>
internal readonly record struct EnrichmentInput(
    string? PageUrl, string? Referrer, string? UserAgent, IPAddress? Ip,
    string? CampaignSource, string? CampaignMedium, string? CampaignName, string? CampaignTerm, string? CampaignContent,
    string? Fbclid = null, string? Ttclid = null, string? LiFatId = null, string? Gclid = null, string? Msclkid = null);

/// <summary>Derives the enrichment columns of an event; cheap for repeated user agents and referrers.</summary>
internal sealed class Enricher(UserAgentParser userAgents, ReferrerClassifier referrers, GeoLookup geo)
{
    private readonly BoundedCache<string, UserAgentInfo> _agents = new(20_000);
    private readonly BoundedCache<(string, string?), ReferrerInfo> _referrers = new(20_000);
    // Made once: a lambda written at the call would allocate a closure for every event.
    private readonly Func<(string, string?), ReferrerInfo> _classify = k => referrers.Classify(k.Item1, k.Item2);
    private readonly Func<string, UserAgentInfo> _parseAgent = userAgents.Parse;

    public Log.EventEnrichment Enrich(in EnrichmentInput input, IpMode ipMode, byte[] pseudonymKey)
    {
        var page = PageUrl.Parse(input.PageUrl);
        var referrer = input.Referrer is { Length: > 0 } r
            ? _referrers.GetOrAdd((ReferrerKey(r), page.Host), _classify)
            : new ReferrerInfo(null, ReferrerClassifier.Direct, null);
        var agent = input.UserAgent is { Length: > 0 } ua ? _agents.GetOrAdd(ua, _parseAgent) : null;
        return new Log.EventEnrichment
        {
            UtmSource = input.CampaignSource ?? page.UtmSource,
            UtmMedium = input.CampaignMedium ?? page.UtmMedium,
            UtmCampaign = input.CampaignName ?? page.UtmCampaign,
            UtmTerm = input.CampaignTerm ?? page.UtmTerm,
            UtmContent = input.CampaignContent ?? page.UtmContent,
            // The landing URL's ids win; the tag's remembered ids (context.clickIds) cover later pages.
            Fbclid = page.Fbclid ?? input.Fbclid,
            Ttclid = page.Ttclid ?? input.Ttclid,
            LiFatId = page.LiFatId ?? input.LiFatId,
            Gclid = page.Gclid ?? input.Gclid,
            Msclkid = page.Msclkid ?? input.Msclkid,
            ReferrerDomain = referrer.Domain,
            ReferrerType = referrer.Type,
            ReferrerName = referrer.Name,
            PageHost = page.Host,
            PagePath = page.Path,
            Browser = agent?.Browser,
            BrowserVersion = agent?.BrowserVersion,
            Os = agent?.Os,
            OsVersion = agent?.OsVersion,
            DeviceType = agent?.DeviceType,
            IsBot = agent?.IsBot ?? false,
            BotName = agent?.BotName,
            Ip = IpPrivacy.Apply(input.Ip, ipMode, pseudonymKey),
            Country = geo.Country(input.Ip),
        };
    }

    /// <summary>Only scheme and host matter for classification; keeping the path out keeps the cache small.</summary>
    private static string ReferrerKey(string referrer)
    {
        var start = referrer.IndexOf("://", StringComparison.Ordinal);
        if (start < 0)
            return referrer.Length > 200 ? referrer[..200] : referrer;
        var end = referrer.AsSpan(start + 3).IndexOfAny('/', '?', '#');
        // Most referrers are an origin with a bare "/" (or nothing) after it: keep the string as it is.
        if (end < 0 || (end == referrer.Length - start - 4 && referrer[^1] == '/'))
            return referrer;
        return referrer[..(start + 3 + end)];
    }
}
