using System.Net;
using System.Text.Json;
using Pulse.Collect.Log;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;

namespace Pulse.Destinations.Connectors;

/// <summary>
/// GA4 Measurement Protocol (docs/destinations-platforms.md, section 4): <c>POST
/// {baseUrl}/mp/collect?measurement_id=…&amp;api_secret=…</c>; one request carries at most 25
/// events of one visitor (<c>client_id</c>: the anonymous id, as Segment's GA4 destination does;
/// <c>user_id</c>: the user id). Events are backdated with <c>timestamp_micros</c> and must be at most
/// 72 hours old. Parameter values are cut to GA4's 100 characters and at most 25 parameters go.
/// The consent fields say GRANTED when the destination requires consent categories (an event is only
/// sent when the person allows them). GA4 answers 2xx even to payloads it drops, so the "send test
/// event" action asks the validation server (<c>/debug/mp/collect</c>) instead and reports its messages.
/// </summary>
internal sealed class Ga4Connector : Connector
{
    public static readonly Ga4Connector Instance = new();
    public static readonly TimeSpan MaxAge = TimeSpan.FromHours(72);
    public const int MaxParams = 25;
    public const int MaxValueLength = 100;

    public override int MaxBatch(DestinationSettings settings) => 25;

    public override string? BatchKey(LoggedEvent e) => ClientId(e);

    public override string? Problem(DestinationSettings settings, OutgoingEvent e, DateTimeOffset now)
    {
        if (e.Event.Timestamp < now - MaxAge + TimeSpan.FromMinutes(10))
            return "older than the 72 hours GA4 accepts through the Measurement Protocol";
        return ClientId(e.Event) is null ? "GA4 needs a client id (the event has no anonymous or user id)" : null;
    }

    private static string? ClientId(LoggedEvent e) => e.AnonymousId ?? e.UserId;

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets) =>
        Request(settings, events, "mp/collect");

    public override HttpRequestMessage BuildTest(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets) =>
        Request(settings, events, "debug/mp/collect");

    private static HttpRequestMessage Request(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, string path)
    {
        var query = $"?measurement_id={Uri.EscapeDataString(settings.PlatformId!)}&api_secret={Uri.EscapeDataString(settings.Secrets["apiSecret"])}";
        var url = new Uri(settings.Endpoint, $"{settings.Endpoint.AbsolutePath.TrimEnd('/')}/{path}{query}");
        var first = events[0].Event;
        return new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = Json(w =>
            {
                w.WriteStartObject();
                w.WriteString("client_id", ClientId(first));
                if (first.UserId is { Length: <= 256 } userId)
                    w.WriteString("user_id", userId);
                if (settings.ConsentCategories.Count > 0)
                {
                    w.WriteStartObject("consent");
                    w.WriteString("ad_user_data", "GRANTED");
                    w.WriteString("ad_personalization", "GRANTED");
                    w.WriteEndObject();
                }
                w.WriteStartArray("events");
                foreach (var e in events)
                    WriteEvent(w, e);
                w.WriteEndArray();
                w.WriteEndObject();
            }),
        };
    }

    private static void WriteEvent(Utf8JsonWriter w, OutgoingEvent e)
    {
        var p = Get(e.Message, "properties");
        w.WriteStartObject();
        w.WriteString("name", e.Target);
        w.WriteNumber("timestamp_micros", e.Event.Timestamp.ToUnixTimeMilliseconds() * 1000);
        w.WriteStartObject("params");
        var count = 0;
        void Text(string name, string? value)
        {
            if (value is null || count >= MaxParams)
                return;
            w.WriteString(name, value.Length <= MaxValueLength ? value : value[..MaxValueLength]);
            count++;
        }
        void Number(string name, double? value)
        {
            if (value is null || count >= MaxParams)
                return;
            w.WriteNumber(name, value.Value);
            count++;
        }
        var value = Ecommerce.Value(p);
        var currency = Ecommerce.Currency(p)?.ToUpperInvariant();
        // GA4: when value is set, currency is required.
        if (currency is not null)
        {
            Number("value", value);
            Text("currency", currency);
        }
        Text("transaction_id", Ecommerce.Str(p, "order_id"));
        Text("coupon", Ecommerce.Str(p, "coupon"));
        Number("shipping", Ecommerce.Number(p, "shipping"));
        Number("tax", Ecommerce.Number(p, "tax"));
        Text("search_term", Ecommerce.Str(p, "query"));
        Text("method", Ecommerce.Str(p, "method"));
        Text("page_location", PageUrl(e.Message) is { } url && url.Length <= 1000 ? url : null);
        var products = Ecommerce.Products(p);
        if (products.Count > 0 && count < MaxParams)
        {
            w.WriteStartArray("items");
            foreach (var x in products.Take(200))
            {
                w.WriteStartObject();
                w.WriteString("item_id", x.Id.Length <= MaxValueLength ? x.Id : x.Id[..MaxValueLength]);
                if (x.Name is { } name)
                    w.WriteString("item_name", name.Length <= MaxValueLength ? name : name[..MaxValueLength]);
                if (x.Category is { } category)
                    w.WriteString("item_category", category.Length <= MaxValueLength ? category : category[..MaxValueLength]);
                if (x.Price is { } price)
                    w.WriteNumber("price", price);
                w.WriteNumber("quantity", x.Quantity);
                w.WriteEndObject();
            }
            w.WriteEndArray();
        }
        w.WriteEndObject();
        w.WriteEndObject();
    }

    /// <summary>The validation server's answer: its messages, if any, refuse the test event.</summary>
    public override Verdict ClassifyTest(HttpStatusCode status, string body)
    {
        var verdict = Classify(status, body);
        if (verdict.Outcome != DeliveryOutcome.Delivered)
            return verdict;
        try
        {
            using var doc = JsonDocument.Parse(body);
            if (doc.RootElement.TryGetProperty("validationMessages", out var messages) && messages.ValueKind == JsonValueKind.Array && messages.GetArrayLength() > 0)
                return new Verdict(DeliveryOutcome.Rejected, "GA4 validation: " + string.Join("; ", messages.EnumerateArray().Select(m =>
                    $"{Ecommerce.Str(m, "validationCode")} at {Ecommerce.Str(m, "fieldPath")}: {Ecommerce.Str(m, "description")}")));
        }
        catch (JsonException)
        {
            return new Verdict(DeliveryOutcome.Failed, "The validation server's answer is not JSON: " + Excerpt(body, 200));
        }
        return verdict;
    }
}
