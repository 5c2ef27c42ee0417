using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Platform.Webhooks;

namespace Pulse.Destinations.Connectors;

/// <summary>
/// Signed webhooks: the stored Segment-spec messages, under their mapped names, with the personal
/// fields the destination may not receive taken out; one per request or as
/// <c>{"batch": [...]}</c>. Signed with <c>Pulse-Signature</c> (docs/webhooks.md); the message id
/// is the receiver's idempotency key (also sent as <c>Idempotency-Key</c> for single messages).
/// </summary>
internal sealed class WebhookConnector : Connector
{
    public static readonly WebhookConnector Instance = new();

    public override int MaxBatch(DestinationSettings settings) => settings.Batch ? settings.BatchSize : 1;

    public override bool TrackOnly => false;

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets)
    {
        var allowed = settings.Pii.ToHashSet();
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
        {
            if (settings.Batch)
            {
                w.WriteStartObject();
                w.WriteString("sentAt", now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture));
                w.WriteStartArray("batch");
                foreach (var e in events)
                    WriteMessage(w, e, allowed);
                w.WriteEndArray();
                w.WriteEndObject();
            }
            else
            {
                WriteMessage(w, events[0], allowed);
            }
        }
        var body = buffer.WrittenMemory;
        var request = new HttpRequestMessage(HttpMethod.Post, settings.Endpoint);
        var content = new ReadOnlyMemoryContent(body);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        request.Content = content;
        foreach (var (name, value) in settings.Headers)
            request.Headers.TryAddWithoutValidation(name, value);
        if (!settings.Batch)
            request.Headers.TryAddWithoutValidation("Idempotency-Key", events[0].Event.MessageId);
        request.Headers.TryAddWithoutValidation(WebhookSignature.Header, WebhookSignature.Sign(body.Span, now, signingSecrets));
        return request;
    }

    /// <summary>The message as stored, renamed by the mapping, without the personal fields the destination may not receive.</summary>
    internal static void WriteMessage(Utf8JsonWriter w, OutgoingEvent e, IReadOnlySet<PiiField> allowed)
    {
        w.WriteStartObject();
        foreach (var p in e.Message.EnumerateObject())
        {
            switch (p.Name)
            {
                case "event" when p.Value.ValueKind == JsonValueKind.String:
                    w.WriteString("event", e.Target);
                    break;
                case "traits" when p.Value.ValueKind == JsonValueKind.Object:
                    w.WritePropertyName(p.Name);
                    WriteTraits(w, p.Value, allowed);
                    break;
                case "context" when p.Value.ValueKind == JsonValueKind.Object:
                    w.WritePropertyName(p.Name);
                    w.WriteStartObject();
                    foreach (var c in p.Value.EnumerateObject())
                    {
                        if ((c.Name == "ip" && !allowed.Contains(PiiField.Ip)) || (c.Name == "userAgent" && !allowed.Contains(PiiField.UserAgent)))
                            continue;
                        w.WritePropertyName(c.Name);
                        if (c.Name == "traits" && c.Value.ValueKind == JsonValueKind.Object)
                            WriteTraits(w, c.Value, allowed);
                        else
                            c.Value.WriteTo(w);
                    }
                    w.WriteEndObject();
                    break;
                default:
                    p.WriteTo(w);
                    break;
            }
        }
        w.WriteEndObject();
    }

    private static void WriteTraits(Utf8JsonWriter w, JsonElement traits, IReadOnlySet<PiiField> allowed)
    {
        w.WriteStartObject();
        foreach (var t in traits.EnumerateObject())
        {
            if (PersonFields.TraitFields.TryGetValue(t.Name, out var field) && !allowed.Contains(field))
                continue;
            t.WriteTo(w);
        }
        w.WriteEndObject();
    }
}
