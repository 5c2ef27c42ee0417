using System.Runtime.InteropServices;
using System.Text.Json;

namespace Pulse.Collect.Ingest;

/// <summary>Writing the stored message JSON: the sender's text with ids and times settled, the write key left out.</summary>
internal sealed partial class MessageBuilder
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };
    private Utf8JsonWriter? _writer;

    private byte[] WriteStored(JsonElement message, string type, string messageId, DateTimeOffset timestamp, DateTimeOffset? original,
        DateTimeOffset? sentAt, DateTimeOffset receivedAt, JsonElement? inheritedContext)
    {
        _buffer.ResetWrittenCount();
        var w = _writer ??= new Utf8JsonWriter(_buffer, WriterOptions);
        w.Reset(_buffer);
        w.WriteStartObject();
        w.WriteString("type"u8, type);
        w.WriteString("messageId"u8, messageId);
        Span<char> name = stackalloc char[NameBuffer];
        foreach (var p in message.EnumerateObject())
        {
            var key = NameOf(p, name);
            if (key is "type" or "messageId" or "writeKey" or "timestamp" or "originalTimestamp" or "sentAt" or "receivedAt")
                continue;
            // Values are copied as sent (one copy instead of re-encoding every token), unless they
            // span lines: the stored JSON stays on one line for JSON Lines exports.
            var rawName = JsonMarshal.GetRawUtf8PropertyName(p);
            var rawValue = JsonMarshal.GetRawUtf8Value(p.Value);
            if (rawName.IndexOf((byte)'\\') < 0 && rawValue.IndexOfAny(LineBreaks) < 0)
            {
                w.WritePropertyName(rawName);
                w.WriteRawValue(rawValue, skipInputValidation: true);
            }
            else
            {
                p.WriteTo(w);
            }
        }
        if (inheritedContext is { } ctx)
        {
            w.WritePropertyName("context"u8);
            ctx.WriteTo(w);
        }
        w.WriteString("timestamp"u8, timestamp.UtcDateTime);
        if (original is { } o)
            w.WriteString("originalTimestamp"u8, o);
        if (sentAt is { } s)
            w.WriteString("sentAt"u8, s);
        w.WriteString("receivedAt"u8, receivedAt.UtcDateTime);
        w.WriteEndObject();
        w.Flush();
        return _buffer.WrittenSpan.ToArray();
    }
}
