using System.Buffers;
using System.Net;
using System.Runtime.InteropServices;
using System.Text.Json;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Log;

namespace Pulse.Collect.Ingest;

/// <summary>What the whole request says about every message in it.</summary>
/// <param name="PathType">The call type the path names, or null for batch paths.</param>
/// <param name="BatchSentAt">A batch's top-level <c>sentAt</c>, which its messages share.</param>
/// <param name="BatchContext">A batch's top-level <c>context</c>, used by messages that have none.</param>
/// <param name="RequestIp">The client address, used when a message carries no <c>context.ip</c>.</param>
/// <param name="RequestUserAgent">The browser's user agent, used when a message carries no <c>context.userAgent</c> (browsers and the pixel only).</param>
internal readonly record struct RequestFacts(
    string? PathType,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? BatchSentAt,
    JsonElement? BatchContext,
    IPAddress? RequestIp,
    string? RequestUserAgent);

/// <summary>
/// Turns one Segment message into a log record: checks the fields each call type requires, settles
/// messageId and timestamps (correcting the client's clock from <c>sentAt</c> as Segment does),
/// enriches it, and writes the JSON that is stored.
/// </summary>
internal sealed class MessageBuilder(Enricher enricher)
{
    public const int MaxEventNameLength = 255;
    public const int MaxMessageIdLength = 255;
    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromDays(1);

    private static readonly string[] ObjectFields = ["properties", "traits", "context", "integrations"];
    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    /// <summary>Builds the record, or returns the reason the message is refused.</summary>
    public LogRecord? Build(JsonElement message, in RequestFacts facts, IngestSource source, out string? reason)
    {
        try
        {
            return BuildChecked(message, facts, source, out reason);
        }
        catch (InvalidOperationException) when (JsonText.HasSurrogateEscape(JsonMarshal.GetRawUtf8Value(message))
            || facts.BatchContext is { } inherited && JsonText.HasSurrogateEscape(JsonMarshal.GetRawUtf8Value(inherited)))
        {
            // JSON may escape half of a surrogate pair (\ud800), which no .NET string or UTF-8 text can hold.
            return Refuse(JsonText.LoneSurrogate, out reason);
        }
    }

    private LogRecord? BuildChecked(JsonElement message, in RequestFacts facts, IngestSource source, out string? reason)
    {
        reason = null;
        if (message.ValueKind != JsonValueKind.Object)
            return Refuse("each message must be a JSON object", out reason);
        var size = JsonMarshal.GetRawUtf8Value(message).Length;
        if (size > source.MaxEventBytes)
            return Refuse($"the message is {size} bytes; this source accepts at most {source.MaxEventBytes}", out reason);

        string? typeField = null;
        if (message.TryGetProperty("type", out var typeElement))
        {
            typeField = typeElement.ValueKind == JsonValueKind.String ? typeElement.GetString() : null;
            if (CallTypes.Normalise(typeField) is null)
                return Refuse("type must be one of track, identify, page, screen, group, alias", out reason);
        }
        var type = facts.PathType ?? typeField;
        if (type is null)
            return Refuse("type is required in a batch (track, identify, page, screen, group or alias)", out reason);
        if (facts.PathType is not null && typeField is not null && typeField != facts.PathType)
            return Refuse($"type '{typeField}' was sent to the {facts.PathType} endpoint", out reason);

        if (!Id(message, "userId", out var userId, out reason) || !Id(message, "anonymousId", out var anonymousId, out reason)
            || !Id(message, "groupId", out var groupId, out reason) || !Id(message, "previousId", out var previousId, out reason))
            return null;
        var usableUser = Ids.IsJunk(userId) ? null : userId;
        var usableAnonymous = Ids.IsJunk(anonymousId) ? null : anonymousId;
        if (type == CallTypes.Alias)
        {
            if (usableUser is null)
                return Refuse(userId is null ? "alias requires userId" : $"userId '{userId}' is a placeholder, not an id", out reason);
            if (Ids.IsJunk(previousId))
                return Refuse(previousId is null ? "alias requires previousId" : $"previousId '{previousId}' is a placeholder, not an id", out reason);
        }
        else if (usableUser is null && usableAnonymous is null)
        {
            return Refuse(userId is null && anonymousId is null
                ? "userId or anonymousId is required"
                : $"userId or anonymousId must name someone; '{userId ?? anonymousId}' is a placeholder", out reason);
        }
        if (type == CallTypes.Group && Ids.IsJunk(groupId))
            return Refuse("group requires groupId", out reason);

        string? eventName = null;
        if (type == CallTypes.Track)
        {
            if (!message.TryGetProperty("event", out var ev) || ev.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(ev.GetString()))
                return Refuse("track requires event, a non-empty string", out reason);
            eventName = ev.GetString()!;
        }
        else if (type is CallTypes.Page or CallTypes.Screen && message.TryGetProperty("name", out var nameElement))
        {
            if (nameElement.ValueKind == JsonValueKind.String)
                eventName = nameElement.GetString();
            else if (nameElement.ValueKind != JsonValueKind.Null)
                return Refuse("name must be a string", out reason);
        }
        if (eventName is not null && HasControl(eventName))
            return Refuse("the event name must not contain control characters", out reason);
        if (eventName is { Length: > MaxEventNameLength })
            return Refuse($"the event name is {eventName.Length} characters; at most {MaxEventNameLength} are allowed", out reason);

        foreach (var objectField in ObjectFields)
        {
            if (message.TryGetProperty(objectField, out var o) && o.ValueKind is not (JsonValueKind.Object or JsonValueKind.Null))
                return Refuse($"{objectField} must be a JSON object", out reason);
        }

        string messageId;
        if (message.TryGetProperty("messageId", out var mid) && mid.ValueKind != JsonValueKind.Null)
        {
            if (mid.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(mid.GetString()))
                return Refuse("messageId must be a non-empty string", out reason);
            messageId = mid.GetString()!;
            if (messageId.Length > MaxMessageIdLength)
                return Refuse($"messageId must be at most {MaxMessageIdLength} characters", out reason);
            if (HasControl(messageId))
                return Refuse("messageId must not contain control characters", out reason);
        }
        else
        {
            messageId = Guid.CreateVersion7(facts.ReceivedAt).ToString();
        }

        if (!Time(message, "timestamp", out var clientTime, out reason) || !Time(message, "sentAt", out var sentAt, out reason)
            || !Time(message, "originalTimestamp", out var originalTime, out reason))
            return null;
        var original = clientTime ?? originalTime;
        sentAt ??= facts.BatchSentAt;
        DateTimeOffset timestamp;
        if (original is { } o2 && sentAt is { } s)
        {
            // Segment's correction: the client's clock is off by (sentAt − receivedAt).
            var skewTicks = facts.ReceivedAt.UtcTicks - s.UtcTicks;
            var corrected = o2.UtcTicks + skewTicks;
            if (corrected < Earliest.UtcTicks || corrected > facts.ReceivedAt.UtcTicks + FutureTolerance.Ticks)
                return Refuse("timestamp corrected by sentAt lies before 1970 or in the future", out reason);
            timestamp = new DateTimeOffset(corrected, TimeSpan.Zero);
        }
        else
        {
            timestamp = original ?? facts.ReceivedAt;
        }
        if (timestamp < Earliest || timestamp > facts.ReceivedAt + FutureTolerance)
            return Refuse($"timestamp {timestamp:O} lies before 1970 or more than a day in the future", out reason);

        JsonElement context = default;
        var hasContext = message.TryGetProperty("context", out context) && context.ValueKind == JsonValueKind.Object;
        if (!hasContext && facts.BatchContext is { ValueKind: JsonValueKind.Object } batchContext)
        {
            context = batchContext;
            hasContext = true;
        }
        var input = ReadEnrichmentInput(message, hasContext ? context : null, type, facts);
        string? consent = null;
        if (hasContext && context.TryGetProperty("consent", out var c) && c.ValueKind == JsonValueKind.Object
            && c.TryGetProperty("categoryPreferences", out var prefs) && prefs.ValueKind == JsonValueKind.Object)
            consent = prefs.GetRawText();

        var raw = WriteStored(message, type, messageId, timestamp, original, sentAt, facts.ReceivedAt, hasContext && facts.BatchContext is not null && !message.TryGetProperty("context", out _) ? context : null);
        return new LogRecord
        {
            WorkspaceId = source.WorkspaceId,
            SourceId = source.Id,
            MessageId = messageId,
            Type = type,
            Event = eventName,
            UserId = usableUser,
            AnonymousId = usableAnonymous,
            GroupId = Ids.IsJunk(groupId) ? null : groupId,
            PreviousId = Ids.IsJunk(previousId) ? null : previousId,
            Timestamp = timestamp.UtcDateTime,
            OriginalTimestamp = original?.UtcDateTime,
            SentAt = sentAt?.UtcDateTime,
            ReceivedAt = facts.ReceivedAt.UtcDateTime,
            Enrichment = enricher.Enrich(input, source.IpMode, source.PseudonymKey),
            Consent = consent,
            Raw = raw,
        };
    }

    private static EnrichmentInput ReadEnrichmentInput(JsonElement message, JsonElement? context, string type, in RequestFacts facts)
    {
        string? url = null, referrer = null, userAgent = null, ipText = null;
        string? cs = null, cm = null, cn = null, ct = null, cc = null;
        string? fb = null, tt = null, li = null, gc = null, ms = null;
        if (context is { } ctx)
        {
            if (ctx.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Object)
            {
                url = Str(page, "url");
                referrer = Str(page, "referrer");
            }
            userAgent = Str(ctx, "userAgent");
            ipText = Str(ctx, "ip");
            if (ctx.TryGetProperty("campaign", out var campaign) && campaign.ValueKind == JsonValueKind.Object)
            {
                cs = Str(campaign, "source");
                cm = Str(campaign, "medium");
                cn = Str(campaign, "name");
                ct = Str(campaign, "term");
                cc = Str(campaign, "content");
            }
            if (ctx.TryGetProperty("clickIds", out var clicks) && clicks.ValueKind == JsonValueKind.Object)
            {
                fb = Cap(Str(clicks, "fbclid"));
                tt = Cap(Str(clicks, "ttclid"));
                li = Cap(Str(clicks, "li_fat_id"));
                gc = Cap(Str(clicks, "gclid"));
                ms = Cap(Str(clicks, "msclkid"));
            }
        }
        if (type == CallTypes.Page && message.TryGetProperty("properties", out var props) && props.ValueKind == JsonValueKind.Object)
        {
            url ??= Str(props, "url");
            referrer ??= Str(props, "referrer");
        }
        var ip = ipText is not null && IPAddress.TryParse(ipText, out var parsed) ? parsed : facts.RequestIp;
        return new EnrichmentInput(url, referrer, userAgent ?? facts.RequestUserAgent, ip, Cap(cs), Cap(cm), Cap(cn), Cap(ct), Cap(cc), fb, tt, li, gc, ms);
    }

    private static string? Cap(string? s) => s is { Length: > PageUrl.MaxValueLength } ? s[..PageUrl.MaxValueLength] : s;

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private byte[] WriteStored(JsonElement message, string type, string messageId, DateTimeOffset timestamp, DateTimeOffset? original,
        DateTimeOffset? sentAt, DateTimeOffset receivedAt, JsonElement? inheritedContext)
    {
        _buffer.ResetWrittenCount();
        using (var w = new Utf8JsonWriter(_buffer, new JsonWriterOptions { SkipValidation = true }))
        {
            w.WriteStartObject();
            w.WriteString("type"u8, type);
            w.WriteString("messageId"u8, messageId);
            foreach (var p in message.EnumerateObject())
            {
                if (p.NameEquals("type"u8) || p.NameEquals("messageId"u8) || p.NameEquals("writeKey"u8) || p.NameEquals("timestamp"u8)
                    || p.NameEquals("originalTimestamp"u8) || p.NameEquals("sentAt"u8) || p.NameEquals("receivedAt"u8))
                    continue;
                p.WriteTo(w);
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
        }
        return _buffer.WrittenSpan.ToArray();
    }

    private static bool Id(JsonElement message, string field, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        if (!message.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
            return true;
        if (e.ValueKind == JsonValueKind.String)
            value = e.GetString();
        else if (e.ValueKind == JsonValueKind.Number)
            value = e.GetRawText(); // Some SDKs send numeric ids; they are kept as written.
        else
        {
            reason = $"{field} must be a string";
            return false;
        }
        if (value!.Length > Ids.MaxLength)
        {
            reason = $"{field} must be at most {Ids.MaxLength} characters";
            return false;
        }
        if (HasControl(value))
        {
            reason = $"{field} must not contain control characters";
            return false;
        }
        return true;
    }

    private static bool Time(JsonElement message, string field, out DateTimeOffset? value, out string? reason)
    {
        value = null;
        reason = null;
        if (!message.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
            return true;
        if (e.ValueKind == JsonValueKind.String && e.TryGetDateTimeOffset(out var t))
        {
            value = t.ToUniversalTime();
            return true;
        }
        reason = $"{field} must be an ISO-8601 date-time such as 2026-11-27T10:15:00.000Z";
        return false;
    }

    private static bool HasControl(string s)
    {
        foreach (var c in s)
        {
            if (char.IsControl(c))
                return true;
        }
        return false;
    }

    private static LogRecord? Refuse(string why, out string? reason)
    {
        reason = why;
        return null;
    }
}
