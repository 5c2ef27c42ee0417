using System.Buffers;
using System.Text;
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
internal sealed partial class MessageBuilder(Enricher enricher)
{
    /// <summary>The stored consent of a message that opted out or in without naming categories.</summary>
    internal const string NoPreferences = "{}";

    public const int MaxEventNameLength = 255;
    public const int MaxMessageIdLength = 255;
    private static readonly DateTimeOffset Earliest = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan FutureTolerance = TimeSpan.FromDays(1);

    private readonly ArrayBufferWriter<byte> _buffer = new(4096);

    /// <summary>The fields of a message that ingest reads, found in one pass over its properties.</summary>
    private struct Fields
    {
        public JsonElement Type, UserId, AnonymousId, GroupId, PreviousId, Event, Name, MessageId;
        public JsonElement Timestamp, SentAt, OriginalTimestamp, Properties, Traits, Context, Integrations;
        public bool HasContext;
    }

    /// <summary>Builds the record, or returns the reason the message is refused.</summary>
    public LogRecord? Build(JsonElement message, in RequestFacts facts, IngestSource source, out string? reason)
    {
        reason = null;
        if (message.ValueKind != JsonValueKind.Object)
            return Refuse("each message must be a JSON object", out reason);
        var rawMessage = JsonMarshal.GetRawUtf8Value(message);
        if (rawMessage.Length > source.MaxEventBytes)
            return Refuse($"the message is {rawMessage.Length} bytes; this source accepts at most {source.MaxEventBytes}", out reason);
        // JSON may escape half of a surrogate pair (\ud800), which no .NET string or UTF-8 text can
        // hold; the message is stored as sent, so such text is refused before anything is read.
        if (JsonText.HasLoneSurrogateEscape(rawMessage))
            return Refuse(JsonText.LoneSurrogate, out reason);

        var f = default(Fields);
        Span<char> nameBuffer = stackalloc char[NameBuffer];
        foreach (var p in message.EnumerateObject())
        {
            switch (NameOf(p, nameBuffer))
            {
                case "type": f.Type = p.Value; break;
                case "userId": f.UserId = p.Value; break;
                case "anonymousId": f.AnonymousId = p.Value; break;
                case "groupId": f.GroupId = p.Value; break;
                case "previousId": f.PreviousId = p.Value; break;
                case "event": f.Event = p.Value; break;
                case "name": f.Name = p.Value; break;
                case "messageId": f.MessageId = p.Value; break;
                case "timestamp": f.Timestamp = p.Value; break;
                case "sentAt": f.SentAt = p.Value; break;
                case "originalTimestamp": f.OriginalTimestamp = p.Value; break;
                case "properties": f.Properties = p.Value; break;
                case "traits": f.Traits = p.Value; break;
                case "context": f.Context = p.Value; f.HasContext = true; break;
                case "integrations": f.Integrations = p.Value; break;
            }
        }

        string? typeField = null;
        if (f.Type.ValueKind != JsonValueKind.Undefined)
        {
            typeField = f.Type.ValueKind == JsonValueKind.String ? f.Type.GetString() : null;
            if (CallTypes.Normalise(typeField) is null)
                return Refuse("type must be one of track, identify, page, screen, group, alias", out reason);
        }
        var type = facts.PathType ?? typeField;
        if (type is null)
            return Refuse("type is required in a batch (track, identify, page, screen, group or alias)", out reason);
        if (facts.PathType is not null && typeField is not null && typeField != facts.PathType)
            return Refuse($"type '{typeField}' was sent to the {facts.PathType} endpoint", out reason);

        if (!Id(f.UserId, "userId", out var userId, out reason) || !Id(f.AnonymousId, "anonymousId", out var anonymousId, out reason)
            || !Id(f.GroupId, "groupId", out var groupId, out reason) || !Id(f.PreviousId, "previousId", out var previousId, out reason))
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
            if (f.Event.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(eventName = f.Event.GetString()))
                return Refuse("track requires event, a non-empty string", out reason);
        }
        else if (type is CallTypes.Page or CallTypes.Screen && f.Name.ValueKind != JsonValueKind.Undefined)
        {
            if (f.Name.ValueKind == JsonValueKind.String)
                eventName = f.Name.GetString();
            else if (f.Name.ValueKind != JsonValueKind.Null)
                return Refuse("name must be a string", out reason);
        }
        if (eventName is not null && HasControl(eventName))
            return Refuse("the event name must not contain control characters", out reason);
        if (eventName is { Length: > MaxEventNameLength })
            return Refuse($"the event name is {eventName.Length} characters; at most {MaxEventNameLength} are allowed", out reason);

        if (NotObject(f.Properties, "properties", out reason) || NotObject(f.Traits, "traits", out reason)
            || NotObject(f.Context, "context", out reason) || NotObject(f.Integrations, "integrations", out reason))
            return null;

        string messageId;
        if (f.MessageId.ValueKind is not (JsonValueKind.Undefined or JsonValueKind.Null))
        {
            if (f.MessageId.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(messageId = f.MessageId.GetString()!))
                return Refuse("messageId must be a non-empty string", out reason);
            if (messageId.Length > MaxMessageIdLength)
                return Refuse($"messageId must be at most {MaxMessageIdLength} characters", out reason);
            if (HasControl(messageId))
                return Refuse("messageId must not contain control characters", out reason);
        }
        else
        {
            messageId = Guid.CreateVersion7(facts.ReceivedAt).ToString();
        }

        if (!Time(f.Timestamp, "timestamp", out var clientTime, out reason) || !Time(f.SentAt, "sentAt", out var sentAt, out reason)
            || !Time(f.OriginalTimestamp, "originalTimestamp", out var originalTime, out reason))
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

        var context = f.Context;
        var hasContext = context.ValueKind == JsonValueKind.Object;
        JsonElement? inherited = null;
        if (!hasContext && facts.BatchContext is { ValueKind: JsonValueKind.Object } batchContext)
        {
            if (JsonText.HasLoneSurrogateEscape(JsonMarshal.GetRawUtf8Value(batchContext)))
                return Refuse(JsonText.LoneSurrogate, out reason);
            context = batchContext;
            hasContext = true;
            // Stored with the message only when it has no context of its own (not even null).
            if (!f.HasContext)
                inherited = batchContext;
        }
        var input = ReadEnrichmentInput(hasContext ? context : null, type == CallTypes.Page ? f.Properties : default, facts, out var consent);

        var raw = WriteStored(message, type, messageId, timestamp, original, sentAt, facts.ReceivedAt, inherited);
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

    private const int NameBuffer = 24;

    /// <summary>
    /// A property's name for matching against the fields ingest reads, without allocating: the raw
    /// UTF-8 name as characters when it is short, plain ASCII and unescaped (which every SDK
    /// sends); otherwise the decoded name.
    /// </summary>
    private static ReadOnlySpan<char> NameOf(JsonProperty p, Span<char> buffer)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(p);
        if (raw.Length <= buffer.Length && raw.IndexOf((byte)'\\') < 0 && Ascii.ToUtf16(raw, buffer, out var n) == OperationStatus.Done)
            return buffer[..n];
        return p.Name;
    }

    private static bool NotObject(JsonElement e, string field, out string? reason)
    {
        reason = null;
        if (e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Object or JsonValueKind.Null)
            return false;
        reason = $"{field} must be a JSON object";
        return true;
    }

    private static readonly SearchValues<byte> LineBreaks = SearchValues.Create("\r\n\t"u8);

    private static bool Id(JsonElement e, string field, out string? value, out string? reason)
    {
        value = null;
        reason = null;
        if (e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
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

    private static bool Time(JsonElement e, string field, out DateTimeOffset? value, out string? reason)
    {
        value = null;
        reason = null;
        if (e.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
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
