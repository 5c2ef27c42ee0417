using System.Globalization;
using System.Net;
using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Connectors;

/// <summary>
/// TikTok Events API 2.0 (docs/destinations-platforms.md, section 2): <c>POST
/// {baseUrl}/open_api/v1.3/event/track/</c> with the bare token in <c>Access-Token</c>; web events
/// of one pixel (<c>event_source_id</c>) in <c>data</c>. E-mail, phone and external id are hashed,
/// <c>ttclid</c> (captured from the landing URL), IP and user agent go plain; <c>event_id</c> is the
/// message id the TikTok pixel must also use. TikTok answers HTTP 200 with a <c>code</c>: 0 is
/// success, 40100 is throttling, 5xxxx its own failures; other codes are refusals.
/// </summary>
internal sealed class TikTokConnector : Connector
{
    public static readonly TikTokConnector Instance = new();
    private static readonly (MatchField Field, string Key)[] HashedKeys = [(MatchField.Email, "email"), (MatchField.Phone, "phone"), (MatchField.ExternalId, "external_id")];

    /// <summary>TikTok documents no limit on the text that could be read; 1,000 is what integrators use.</summary>
    public override int MaxBatch(DestinationSettings settings) => 1000;

    /// <summary>From an integrator's documentation (TikTok's own text could not be read): events older than 28 days are not accepted.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(28);

    public override string? Problem(DestinationSettings settings, OutgoingEvent e, DateTimeOffset now) =>
        e.Event.Timestamp < now - MaxAge ? "older than the 28 days TikTok accepts" : null;

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets)
    {
        var url = new Uri(settings.Endpoint, $"{settings.Endpoint.AbsolutePath.TrimEnd('/')}/open_api/v1.3/event/track/");
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("event_source", "web");
                w.WriteString("event_source_id", settings.PlatformId);
                if (settings.TestEventCode is { } code)
                    w.WriteString("test_event_code", code);
                w.WriteStartArray("data");
                foreach (var e in events)
                    WriteEvent(w, settings, e);
                w.WriteEndArray();
                w.WriteEndObject();
            }),
        };
        request.Headers.TryAddWithoutValidation("Access-Token", settings.Secrets["accessToken"]);
        return request;
    }

    private static void WriteEvent(Utf8JsonWriter w, DestinationSettings settings, OutgoingEvent e)
    {
        w.WriteStartObject();
        w.WriteString("event", e.Target);
        w.WriteNumber("event_time", e.Event.Timestamp.ToUnixTimeSeconds());
        w.WriteString("event_id", e.Event.MessageId);
        w.WriteStartObject("user");
        foreach (var (field, key) in HashedKeys)
        {
            if (e.Person.Values.TryGetValue(field, out var plain) && MatchKeys.Hash(field, plain, settings.PhoneCallingCode) is { } hash)
                w.WriteString(key, hash);
        }
        if (e.Event.Enrichment.Ttclid is { } ttclid)
            w.WriteString("ttclid", ttclid);
        if (Text(e.Message, "context", "ttp") is { } ttp)
            w.WriteString("ttp", ttp);
        if (e.Person.Ip is { } ip)
            w.WriteString("ip", ip);
        if (e.Person.UserAgent is { } ua)
            w.WriteString("user_agent", ua);
        w.WriteEndObject();
        if (PageUrl(e.Message) is { } url)
        {
            w.WriteStartObject("page");
            w.WriteString("url", url);
            var page = Get(Get(e.Message, "context"), "page");
            if (Ecommerce.Str(page, "referrer") is { Length: > 0 } referrer)
                w.WriteString("referrer", referrer);
            w.WriteEndObject();
        }
        var p = Get(e.Message, "properties");
        w.WriteStartObject("properties");
        var products = Ecommerce.Products(p);
        if (products.Count > 0)
        {
            w.WriteStartArray("contents");
            foreach (var x in products)
            {
                w.WriteStartObject();
                w.WriteString("content_id", x.Id);
                w.WriteString("content_type", "product");
                if (x.Name is { } name)
                    w.WriteString("content_name", name);
                w.WriteNumber("quantity", x.Quantity);
                if (x.Price is { } price)
                    w.WriteNumber("price", price);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        if (Ecommerce.Value(p) is { } value)
            w.WriteNumber("value", value);
        if (Ecommerce.Currency(p) is { } currency)
            w.WriteString("currency", currency.ToUpperInvariant());
        if (Ecommerce.Str(p, "query") is { } query)
            w.WriteString("query", query);
        w.WriteEndObject();
        w.WriteEndObject();
    }

    public override Verdict Classify(HttpStatusCode status, string body)
    {
        var http = (int)status;
        if (http is 408 or 425 or 429 or >= 500)
            return new Verdict(DeliveryOutcome.Failed, $"HTTP {http}");
        if (http is < 200 or >= 300)
            return new Verdict(DeliveryOutcome.Rejected, $"HTTP {http}: {Excerpt(body, 300)}");
        try
        {
            using var doc = JsonDocument.Parse(body);
            var code = doc.RootElement.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : -1;
            var message = doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            var text = string.Create(CultureInfo.InvariantCulture, $"TikTok code {code}: {message}");
            return code switch
            {
                0 => new Verdict(DeliveryOutcome.Delivered),
                40100 or >= 50000 => new Verdict(DeliveryOutcome.Failed, text),
                _ => new Verdict(DeliveryOutcome.Rejected, text),
            };
        }
        catch (JsonException)
        {
            return new Verdict(DeliveryOutcome.Failed, $"HTTP {http} with an answer that is not TikTok's JSON: {Excerpt(body, 200)}");
        }
    }
}
