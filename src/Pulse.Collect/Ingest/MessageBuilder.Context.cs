using System.Net;
using System.Text.Json;
using Pulse.Collect.Enrichment;

namespace Pulse.Collect.Ingest;

/// <summary>Reading what enrichment and consent need from a message's <c>context</c>.</summary>
internal sealed partial class MessageBuilder
{
    private static EnrichmentInput ReadEnrichmentInput(JsonElement? context, JsonElement pageProperties, in RequestFacts facts, out string? consent)
    {
        string? url = null, referrer = null, userAgent = null, ipText = null;
        string? cs = null, cm = null, cn = null, ct = null, cc = null;
        string? fb = null, tt = null, li = null, gc = null, ms = null;
        consent = null;
        Span<char> name = stackalloc char[NameBuffer];
        if (context is { } ctx)
        {
            foreach (var p in ctx.EnumerateObject())
            {
                var v = p.Value;
                switch (NameOf(p, name))
                {
                    case "page" when v.ValueKind == JsonValueKind.Object:
                        (url, referrer) = (null, null);
                        foreach (var q in v.EnumerateObject())
                        {
                            switch (NameOf(q, name))
                            {
                                case "url": url = Str(q.Value); break;
                                case "referrer": referrer = Str(q.Value); break;
                            }
                        }
                        break;
                    case "userAgent": userAgent = Str(v); break;
                    case "ip": ipText = Str(v); break;
                    case "campaign" when v.ValueKind == JsonValueKind.Object:
                        foreach (var q in v.EnumerateObject())
                        {
                            switch (NameOf(q, name))
                            {
                                case "source": cs = Str(q.Value); break;
                                case "medium": cm = Str(q.Value); break;
                                case "name": cn = Str(q.Value); break;
                                case "term": ct = Str(q.Value); break;
                                case "content": cc = Str(q.Value); break;
                            }
                        }
                        break;
                    case "clickIds" when v.ValueKind == JsonValueKind.Object:
                        foreach (var q in v.EnumerateObject())
                        {
                            switch (NameOf(q, name))
                            {
                                case "fbclid": fb = Cap(Str(q.Value)); break;
                                case "ttclid": tt = Cap(Str(q.Value)); break;
                                case "li_fat_id": li = Cap(Str(q.Value)); break;
                                case "gclid": gc = Cap(Str(q.Value)); break;
                                case "msclkid": ms = Cap(Str(q.Value)); break;
                            }
                        }
                        break;
                    case "consent" when v.ValueKind == JsonValueKind.Object:
                        // An opt-out without preferences (the tag's optOut() before any consent()) is a consent fact too: no category answered.
                        consent = v.TryGetProperty("categoryPreferences", out var prefs) && prefs.ValueKind == JsonValueKind.Object ? prefs.GetRawText()
                            : v.TryGetProperty("optOut", out var optOut) && optOut.ValueKind is JsonValueKind.True or JsonValueKind.False ? NoPreferences : null;
                        break;
                }
            }
        }
        if (pageProperties.ValueKind == JsonValueKind.Object)
        {
            url ??= Str(pageProperties, "url");
            referrer ??= Str(pageProperties, "referrer");
        }
        var ip = ipText is not null && IPAddress.TryParse(ipText, out var parsed) ? parsed : facts.RequestIp;
        return new EnrichmentInput(url, referrer, userAgent ?? facts.RequestUserAgent, ip, Cap(cs), Cap(cm), Cap(cn), Cap(ct), Cap(cc), fb, tt, li, gc, ms);
    }

    private static string? Cap(string? s) => s is { Length: > PageUrl.MaxValueLength } ? s[..PageUrl.MaxValueLength] : s;

    private static string? Str(JsonElement v) => v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
}
