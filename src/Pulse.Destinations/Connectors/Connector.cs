using System.Net;
using System.Text.Json;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Delivery;
using Pulse.Destinations.Mapping;

namespace Pulse.Destinations.Connectors;

/// <summary>A request for one batch, and the events it carries (others of the batch may have been left out as invalid for the platform).</summary>
internal sealed record BuiltRequest(HttpRequestMessage Request, IReadOnlyList<OutgoingEvent> Events);

/// <summary>The platform's answer as the delivery engine judges it.</summary>
/// <param name="Message">What went wrong, in the platform's words where it gave any.</param>
internal sealed record Verdict(DeliveryOutcome Outcome, string? Message = null);

/// <summary>
/// What one kind of destination needs: how many events a request may carry, which events it
/// cannot take at all (too old, missing a required field: they are dead-lettered alone rather than
/// failing a whole batch), the request itself, and how to read the answer.
/// </summary>
internal abstract class Connector
{
    /// <summary>The connector of <paramref name="type"/>, or null while Pulse has none for it (its destinations wait, their events kept in the log).</summary>
    public static Connector? For(DestinationType type) => type switch
    {
        DestinationType.Webhook => WebhookConnector.Instance,
        DestinationType.Meta => MetaConnector.Instance,
        DestinationType.TikTok => TikTokConnector.Instance,
        DestinationType.LinkedIn => LinkedInConnector.Instance,
        DestinationType.Ga4 => Ga4Connector.Instance,
        _ => null,
    };

    /// <summary>The most events one request may carry.</summary>
    public abstract int MaxBatch(DestinationSettings settings);

    /// <summary>Whether the destination takes every call type (webhooks) or only track events mapped to a platform event.</summary>
    public virtual bool TrackOnly => true;

    /// <summary>Whether building a request reads <see cref="OutgoingEvent.Message"/> and <see cref="OutgoingEvent.Person"/> (false: the connector reads the stored JSON itself, and the worker does not parse it for it).</summary>
    public virtual bool ReadsMessage => true;

    /// <summary>Why <paramref name="e"/> cannot be sent to this platform at <paramref name="now"/>, or null.</summary>
    public virtual string? Problem(DestinationSettings settings, OutgoingEvent e, DateTimeOffset now) => null;

    /// <summary>Events with different keys never share a request (GA4: one visitor per request); null: any events may.</summary>
    public virtual string? BatchKey(Pulse.Collect.Log.LoggedEvent e) => null;

    /// <summary>The request of the "send test event" action (GA4 asks its validation server instead).</summary>
    public virtual HttpRequestMessage BuildTest(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets) =>
        Build(settings, events, now, signingSecrets);

    /// <summary>Reads the answer to <see cref="BuildTest"/>.</summary>
    public virtual Verdict ClassifyTest(HttpStatusCode status, string body) => Classify(status, body);

    public abstract HttpRequestMessage Build(DestinationSettings settings, IReadOnlyList<OutgoingEvent> events, DateTimeOffset now, IReadOnlyList<string> signingSecrets);

    /// <summary>Reads an HTTP answer: 2xx delivered; 408, 425, 429 and 5xx may pass later; any other 4xx cannot.</summary>
    public virtual Verdict Classify(HttpStatusCode status, string body) => (int)status switch
    {
        >= 200 and < 300 => new Verdict(DeliveryOutcome.Delivered),
        408 or 425 or 429 or >= 500 => new Verdict(DeliveryOutcome.Failed, $"HTTP {(int)status}"),
        _ => new Verdict(DeliveryOutcome.Rejected, $"HTTP {(int)status}: {Excerpt(body, 300)}"),
    };

    internal static string Excerpt(string text, int max) => text.Length <= max ? text : text[..max] + "…";

    /// <summary>A property of the message's object <paramref name="section"/> (properties, context …) as text, or null.</summary>
    internal static string? Text(JsonElement message, string section, string name) =>
        message.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object && s.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String
            ? v.GetString() : null;

    internal static JsonElement Get(JsonElement message, string section) =>
        message.TryGetProperty(section, out var s) && s.ValueKind == JsonValueKind.Object ? s : default;

    /// <summary>The page URL of the event: <c>context.page.url</c>, or a page call's <c>properties.url</c>.</summary>
    internal static string? PageUrl(JsonElement message)
    {
        var context = Get(message, "context");
        if (context.ValueKind == JsonValueKind.Object && context.TryGetProperty("page", out var page) && page.ValueKind == JsonValueKind.Object
            && page.TryGetProperty("url", out var url) && url.ValueKind == JsonValueKind.String)
            return url.GetString();
        return Text(message, "properties", "url");
    }

    internal static HttpContent Json(Action<Utf8JsonWriter> write)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(4096);
        using (var w = new Utf8JsonWriter(buffer))
            write(w);
        var content = new ReadOnlyMemoryContent(buffer.WrittenMemory);
        content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        return content;
    }
}
