using System.Globalization;
using System.Net;
using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Destinations.Matching;

namespace Pulse.Destinations.Connectors;

/// <summary>
/// LinkedIn Conversions API (docs/destinations-platforms.md, section 3): <c>POST
/// {baseUrl}/rest/conversionEvents</c> as a Rest.li batch create (<c>{"elements": [...]}</c>, at
/// most 5,000) with the versioned headers. Each event goes to the conversion rule its mapping names;
/// people are matched by SHA-256 e-mail, the <c>li_fat_id</c> click id and their name and country.
/// Events older than 90 days, and people LinkedIn could not match at all, are dead-lettered alone.
/// </summary>
internal sealed class LinkedInConnector : Connector
{
    public static readonly LinkedInConnector Instance = new();
    public static readonly TimeSpan MaxAge = TimeSpan.FromDays(90);

    public override int MaxBatch(DestinationSettings settings) => 5000;

    public override string? Problem(DestinationSettings settings, OutgoingEvent e, DateTimeOffset now)
    {
        if (e.Event.Timestamp < now - MaxAge + TimeSpan.FromMinutes(10))
            return "older than the 90 days LinkedIn accepts";
        var v = e.Person.Values;
        if (!(v.ContainsKey(MatchField.Email) && MatchKeys.Hash(MatchField.Email, v[MatchField.Email]) is not null)
            && e.Event.Enrichment.LiFatId is null
            && !(v.ContainsKey(MatchField.FirstName) && v.ContainsKey(MatchField.LastName)))
            return "LinkedIn cannot match the person: no e-mail, li_fat_id click id, or first and last name (check the destination's pii list)";
        return null;
    }

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets)
    {
        var url = new Uri(settings.Endpoint, $"{settings.Endpoint.AbsolutePath.TrimEnd('/')}/rest/conversionEvents");
        var request = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = Json(w =>
            {
                w.WriteStartObject();
                w.WriteStartArray("elements");
                foreach (var e in events)
                    WriteElement(w, e);
                w.WriteEndArray();
                w.WriteEndObject();
            }),
        };
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", settings.Secrets["accessToken"]);
        request.Headers.TryAddWithoutValidation("LinkedIn-Version", settings.ApiVersion);
        request.Headers.TryAddWithoutValidation("X-Restli-Protocol-Version", "2.0.0");
        request.Headers.TryAddWithoutValidation("X-RestLi-Method", "BATCH_CREATE");
        return request;
    }

    private static void WriteElement(Utf8JsonWriter w, OutgoingEvent e)
    {
        var p = Get(e.Message, "properties");
        w.WriteStartObject();
        w.WriteString("conversion", e.Target);
        w.WriteNumber("conversionHappenedAt", e.Event.Timestamp.ToUnixTimeMilliseconds());
        if (Ecommerce.Value(p) is { } value && Ecommerce.Currency(p) is { } currency)
        {
            w.WriteStartObject("conversionValue");
            w.WriteString("currencyCode", currency.ToUpperInvariant());
            w.WriteString("amount", value.ToString("0.##", CultureInfo.InvariantCulture));
            w.WriteEndObject();
        }
        w.WriteStartObject("user");
        w.WriteStartArray("userIds");
        if (e.Person.Values.TryGetValue(MatchField.Email, out var email) && MatchKeys.Hash(MatchField.Email, email) is { } hash)
            Id(w, "SHA256_EMAIL", hash);
        if (e.Event.Enrichment.LiFatId is { } fat)
            Id(w, "LINKEDIN_FIRST_PARTY_ADS_TRACKING_UUID", fat);
        w.WriteEndArray();
        var v = e.Person.Values;
        if (v.ContainsKey(MatchField.FirstName) && v.ContainsKey(MatchField.LastName))
        {
            w.WriteStartObject("userInfo");
            w.WriteString("firstName", v[MatchField.FirstName]);
            w.WriteString("lastName", v[MatchField.LastName]);
            if (v.TryGetValue(MatchField.Country, out var country) && MatchKeys.Normalise(MatchField.Country, country) is { } code)
                w.WriteString("countryCode", code.ToUpperInvariant());
            w.WriteEndObject();
        }
        w.WriteEndObject();
        w.WriteString("eventId", e.Event.MessageId);
        w.WriteEndObject();
    }

    private static void Id(Utf8JsonWriter w, string type, string value)
    {
        w.WriteStartObject();
        w.WriteString("idType", type);
        w.WriteString("idValue", value);
        w.WriteEndObject();
    }

    /// <summary>
    /// A batch answers 200 with one status per element. All 201: delivered. An element refused with
    /// 429 or 5xx: the batch is sent again (the event ids make the repeats harmless). Other element
    /// errors: refused, with LinkedIn's messages.
    /// </summary>
    public override Verdict Classify(HttpStatusCode status, string body)
    {
        var http = (int)status;
        string? message = null;
        List<(int Status, string? Message)> elements = [];
        try
        {
            using var doc = JsonDocument.Parse(body);
            message = doc.RootElement.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
            if (doc.RootElement.TryGetProperty("elements", out var list) && list.ValueKind == JsonValueKind.Array)
            {
                elements = list.EnumerateArray().Select(x => (
                    x.TryGetProperty("status", out var s) && s.TryGetInt32(out var n) ? n : 0,
                    x.TryGetProperty("error", out var err) && err.TryGetProperty("message", out var em) ? em.GetString() : null)).ToList();
            }
        }
        catch (JsonException)
        {
        }
        if (http is 408 or 425 or 429 or >= 500)
            return new Verdict(DeliveryOutcome.Failed, $"HTTP {http}{(message is null ? "" : ": " + message)}");
        if (http is < 200 or >= 300)
            return new Verdict(DeliveryOutcome.Rejected, $"HTTP {http}: {message ?? Excerpt(body, 300)}");
        var failed = elements.Where(e => e.Status is < 200 or >= 300).ToList();
        if (failed.Count == 0)
            return new Verdict(DeliveryOutcome.Delivered);
        var text = $"{failed.Count} of {elements.Count} conversions refused: " + string.Join("; ", failed.Take(3).Select(f => $"{f.Status} {f.Message}"));
        return failed.Any(f => f.Status is 429 or >= 500) ? new Verdict(DeliveryOutcome.Failed, text) : new Verdict(DeliveryOutcome.Rejected, text);
    }
}
