using System.Globalization;
using System.Net;
using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Connectors;

/// <summary>
/// Meta Conversions API (docs/destinations-platforms.md, section 1): <c>POST
/// {baseUrl}/{version}/{pixel}/events</c> with <c>data</c> (at most 1,000 server events) and the
/// access token in the JSON body. Customer fields are normalised and hashed; IP, user agent,
/// <c>fbc</c> (built from a captured <c>fbclid</c>) and <c>fbp</c> go plain; <c>event_id</c> is the
/// message id, which the browser pixel must send as its <c>eventID</c> for Meta to deduplicate.
/// An event older than 7 days would fail the whole request, so it is dead-lettered on its own and
/// never sent; likewise a website event without page URL or user agent.
/// </summary>
internal sealed class MetaConnector : Connector
{
    public static readonly MetaConnector Instance = new();
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(7);
    private static readonly TimeSpan Margin = TimeSpan.FromMinutes(10);

    private static readonly (MatchField Field, string Key)[] Keys =
    [
        (MatchField.Email, "em"), (MatchField.Phone, "ph"), (MatchField.FirstName, "fn"), (MatchField.LastName, "ln"),
        (MatchField.Gender, "ge"), (MatchField.DateOfBirth, "db"), (MatchField.City, "ct"), (MatchField.State, "st"),
        (MatchField.Zip, "zp"), (MatchField.Country, "country"), (MatchField.ExternalId, "external_id"),
    ];

    public override int MaxBatch(DestinationSettings settings) => 1000;

    public override string? Problem(DestinationSettings settings, OutgoingEvent e, DateTimeOffset now)
    {
        // A margin keeps an event that is just inside the limit from crossing it on the way.
        if (e.Event.Timestamp < now - MaxAge + Margin)
            return "older than the 7 days Meta accepts (one such event would fail the whole request)";
        if (settings.ActionSource == "website")
        {
            if (PageUrl(e.Message) is null)
                return "a website event needs the page URL (context.page.url) for event_source_url";
            if (e.Person.UserAgent is null)
                return "a website event needs the browser's user agent (context.userAgent, and userAgent in the destination's pii list)";
        }
        return null;
    }

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets)
    {
        var url = new Uri(settings.Endpoint, $"{settings.Endpoint.AbsolutePath.TrimEnd('/')}/{settings.ApiVersion}/{settings.PlatformId}/events");
        return new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("data");
                foreach (var e in events)
                    WriteEvent(w, settings, e);
                w.WriteEndArray();
                if (settings.TestEventCode is { } code)
                    w.WriteString("test_event_code", code);
                w.WriteString("access_token", settings.Secrets["accessToken"]);
                w.WriteEndObject();
            }),
        };
    }

    private static void WriteEvent(Utf8JsonWriter w, DestinationSettings settings, OutgoingEvent e)
    {
        var m = e.Message;
        w.WriteStartObject();
        w.WriteString("event_name", e.Target);
        w.WriteNumber("event_time", e.Event.Timestamp.ToUnixTimeSeconds());
        w.WriteString("event_id", e.Event.MessageId);
        w.WriteString("action_source", settings.ActionSource);
        if (PageUrl(m) is { } url)
            w.WriteString("event_source_url", url);
        w.WriteStartObject("user_data");
        foreach (var (field, key) in Keys)
        {
            if (e.Person.Values.TryGetValue(field, out var value) && MatchKeys.Hash(field, value, settings.PhoneCallingCode) is { } hash)
            {
                w.WriteStartArray(key);
                w.WriteStringValue(hash);
                w.WriteEndArray();
            }
        }
        if (e.Person.Ip is { } ip)
            w.WriteString("client_ip_address", ip);
        if (e.Person.UserAgent is { } ua)
            w.WriteString("client_user_agent", ua);
        var fbc = Text(m, "context", "fbc") ?? (e.Event.Enrichment.Fbclid is { } clid ? $"fb.1.{e.Event.Timestamp.ToUnixTimeMilliseconds()}.{clid}" : null);
        if (fbc is not null)
            w.WriteString("fbc", fbc);
        if (Text(m, "context", "fbp") is { } fbp)
            w.WriteString("fbp", fbp);
        w.WriteEndObject();
        WriteCustomData(w, Get(m, "properties"));
        if (settings.LimitedDataUse)
        {
            w.WriteStartArray("data_processing_options");
            w.WriteStringValue("LDU");
            w.WriteEndArray();
            // 0 and 0: Meta works out from the event's location whether limited data use applies.
            w.WriteNumber("data_processing_options_country", 0);
            w.WriteNumber("data_processing_options_state", 0);
        }
        w.WriteEndObject();
    }

    /// <summary>Segment's e-commerce properties in Meta's custom_data: value, currency, order_id, content ids and contents, search string.</summary>
    private static void WriteCustomData(Utf8JsonWriter w, JsonElement p)
    {
        if (p.ValueKind != JsonValueKind.Object)
            return;
        w.WriteStartObject("custom_data");
        if (Ecommerce.Value(p) is { } value)
            w.WriteNumber("value", value);
        if (Ecommerce.Currency(p) is { } currency)
            w.WriteString("currency", currency.ToLowerInvariant());
        if (Ecommerce.Str(p, "order_id") is { } order)
            w.WriteString("order_id", order);
        if (Ecommerce.Str(p, "name") is { } name)
            w.WriteString("content_name", name);
        if (Ecommerce.Str(p, "category") is { } category)
            w.WriteString("content_category", category);
        if (Ecommerce.Str(p, "query") is { } query)
            w.WriteString("search_string", query);
        var products = Ecommerce.Products(p);
        if (products.Count > 0)
        {
            w.WriteString("content_type", "product");
            w.WriteStartArray("content_ids");
            foreach (var x in products)
                w.WriteStringValue(x.Id);
            w.WriteEndArray();
            w.WriteStartArray("contents");
            foreach (var x in products)
            {
                w.WriteStartObject();
                w.WriteString("id", x.Id);
                w.WriteNumber("quantity", x.Quantity);
                if (x.Price is { } price)
                    w.WriteNumber("item_price", price);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("num_items", products.Sum(x => x.Quantity));
        }
        w.WriteEndObject();
    }

    /// <summary>Meta answers errors in the Graph envelope; codes 1, 2, 4, 17, 341 and 368 (and <c>is_transient</c>) pass on a later try, others (bad token, bad parameter) do not.</summary>
    public override Verdict Classify(HttpStatusCode status, string body)
    {
        var code = (int)status;
        if (code is >= 200 and < 300)
            return new Verdict(DeliveryOutcome.Delivered);
        string? message = null;
        int? errorCode = null;
        var transient = false;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("error", out var error) && error.ValueKind == JsonValueKind.Object)
            {
                message = error.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
                errorCode = error.TryGetProperty("code", out var c) && c.TryGetInt32(out var n) ? n : null;
                transient = error.TryGetProperty("is_transient", out var t) && t.ValueKind == JsonValueKind.True;
            }
        }
        catch (JsonException)
        {
        }
        var text = message is null ? $"HTTP {code}" : $"HTTP {code}, Meta error {errorCode?.ToString(CultureInfo.InvariantCulture) ?? "?"}: {message}";
        if (code is 408 or 425 or 429 or >= 500 || transient || errorCode is 1 or 2 or 4 or 17 or 341 or 368)
            return new Verdict(DeliveryOutcome.Failed, text);
        return new Verdict(DeliveryOutcome.Rejected, message is null ? $"HTTP {code}: {Excerpt(body, 300)}" : text);
    }
}
