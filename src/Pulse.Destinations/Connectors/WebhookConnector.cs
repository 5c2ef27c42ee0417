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

    /// <summary>Webhooks stream each stored message themselves (<see cref="WriteMessage"/>).</summary>
    public override bool ReadsMessage => false;

    public override HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets)
    {
        var allowed = settings.Pii.ToHashSet();
        // Sized for the stored messages at once (they are written back nearly whole): growing a buffer of
        // a megabyte by doubling copied it several times on the large-object heap per batch.
        var size = 256;
        foreach (var e in events)
            size += e.Event.Raw.Length + 64;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(size);
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
    /// <remarks>
    /// Streamed from the stored UTF-8 JSON: values that stay are copied as they are stored, so a batch
    /// costs about one pass over its bytes (parsing each message into a document first cost twice that).
    /// </remarks>
    internal static void WriteMessage(Utf8JsonWriter w, OutgoingEvent e, IReadOnlySet<PiiField> allowed)
    {
        var raw = e.Event.Raw;
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(System.Text.Encoding.UTF8.GetMaxByteCount(raw.Length));
        try
        {
            var n = System.Text.Encoding.UTF8.GetBytes(raw, rented);
            var json = rented.AsSpan(0, n);
            var r = new Utf8JsonReader(json);
            r.Read();
            w.WriteStartObject();
            while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
            {
                if (r.ValueTextEquals("event"u8))
                {
                    r.Read();
                    if (r.TokenType == JsonTokenType.String)
                        w.WriteString("event"u8, e.Target);
                    else
                        Copy(w, ref r, json, "event"u8);
                }
                else if (r.ValueTextEquals("traits"u8))
                {
                    r.Read();
                    WriteTraits(w, ref r, json, "traits"u8, allowed);
                }
                else if (r.ValueTextEquals("context"u8))
                {
                    r.Read();
                    if (r.TokenType != JsonTokenType.StartObject)
                    {
                        Copy(w, ref r, json, "context"u8);
                        continue;
                    }
                    w.WriteStartObject("context"u8);
                    while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
                    {
                        var skip = (r.ValueTextEquals("ip"u8) && !allowed.Contains(PiiField.Ip)) || (r.ValueTextEquals("userAgent"u8) && !allowed.Contains(PiiField.UserAgent));
                        var isTraits = r.ValueTextEquals("traits"u8);
                        var name = Name(ref r);
                        r.Read();
                        if (skip)
                            r.Skip();
                        else if (isTraits)
                            WriteTraits(w, ref r, json, name, allowed);
                        else
                            Copy(w, ref r, json, name);
                    }
                    w.WriteEndObject();
                }
                else
                {
                    var name = Name(ref r);
                    r.Read();
                    Copy(w, ref r, json, name);
                }
            }
            w.WriteEndObject();
        }
        finally
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>A traits object without the fields the destination may not receive (any other value is copied).</summary>
    private static void WriteTraits(Utf8JsonWriter w, ref Utf8JsonReader r, ReadOnlySpan<byte> json, scoped ReadOnlySpan<byte> name, IReadOnlySet<PiiField> allowed)
    {
        if (r.TokenType != JsonTokenType.StartObject)
        {
            Copy(w, ref r, json, name);
            return;
        }
        w.WriteStartObject(name);
        while (r.Read() && r.TokenType == JsonTokenType.PropertyName)
        {
            var field = Name(ref r);
            var refused = PersonFields.TraitField(field, out var pii) && !allowed.Contains(pii);
            r.Read();
            if (refused)
                r.Skip();
            else
                Copy(w, ref r, json, field);
        }
        w.WriteEndObject();
    }

    /// <summary>The property name the reader is on, unescaped, as UTF-8.</summary>
    private static ReadOnlySpan<byte> Name(ref Utf8JsonReader r) =>
        r.ValueIsEscaped ? System.Text.Encoding.UTF8.GetBytes(r.GetString()!) : r.ValueSpan;

    /// <summary>Writes the property with the value the reader is on, copied as stored.</summary>
    private static void Copy(Utf8JsonWriter w, ref Utf8JsonReader r, ReadOnlySpan<byte> json, scoped ReadOnlySpan<byte> name)
    {
        var start = (int)r.TokenStartIndex;
        if (r.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
            r.Skip();
        w.WritePropertyName(name);
        w.WriteRawValue(json[start..(int)r.BytesConsumed], skipInputValidation: true);
    }
}
