using System.Text.Json;
using System.Text.Unicode;

namespace Pulse.Collect.Ingest;

/// <summary>
/// A request body parsed into its messages, each with the write key that applies to it (its own
/// <c>writeKey</c>, else the body's, else the Basic-auth user). Pure: no lookup, no clock, no log,
/// so the fuzz targets drive it directly.
/// </summary>
internal sealed class IngestRequest : IDisposable
{
    private readonly JsonDocument _doc;

    private IngestRequest(JsonDocument doc) => _doc = doc;

    public string? RootKey { get; private init; }
    public List<(JsonElement Message, string? Key)> Messages { get; } = [];
    public DateTimeOffset? BatchSentAt { get; private set; }
    public JsonElement? BatchContext { get; private set; }

    /// <param name="pathType">The call type the path names, or null for batch paths.</param>
    /// <returns>Null and the request, or the outcome that refuses the body.</returns>
    public static IngestOutcome? Parse(ReadOnlyMemory<byte> body, string? pathType, string? basicWriteKey, out IngestRequest? request)
    {
        request = null;
        if (!Utf8.IsValid(body.Span))
            return new IngestOutcome(IngestStatus.BadRequest, "The body is not valid UTF-8.");
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = IngestPipeline.MaxJsonDepth });
        }
        catch (JsonException e)
        {
            return new IngestOutcome(IngestStatus.BadRequest, "The body is not valid JSON: " + Trim(e.Message));
        }
        var root = doc.RootElement;
        IngestOutcome? refused;
        IngestRequest? parsed;
        try
        {
            refused = Collect(doc, root, pathType, basicWriteKey, out parsed);
        }
        catch (InvalidOperationException) when (JsonText.HasLoneSurrogateEscape(body.Span))
        {
            (refused, parsed) = (new IngestOutcome(IngestStatus.BadRequest, "The body's " + JsonText.LoneSurrogate + "."), null);
        }
        if (refused is not null)
        {
            doc.Dispose();
            return refused;
        }
        request = parsed;
        return null;
    }

    private static IngestOutcome? Collect(JsonDocument doc, JsonElement root, string? pathType, string? basicWriteKey, out IngestRequest? request)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
            return new IngestOutcome(IngestStatus.BadRequest, "The body must be a JSON object.");
        var parsed = new IngestRequest(doc) { RootKey = KeyOf(root) };
        if (pathType is null)
        {
            if (!root.TryGetProperty("batch", out var batch) || batch.ValueKind != JsonValueKind.Array)
                return new IngestOutcome(IngestStatus.BadRequest, "A batch body must hold \"batch\", an array of messages.");
            var count = batch.GetArrayLength();
            if (count == 0)
                return new IngestOutcome(IngestStatus.BadRequest, "The batch is empty.");
            if (count > IngestPipeline.MaxBatchMessages)
                return new IngestOutcome(IngestStatus.TooLarge, $"The batch holds {count} messages; at most {IngestPipeline.MaxBatchMessages} are accepted per request.");
            if (root.TryGetProperty("sentAt", out var sent) && sent.ValueKind == JsonValueKind.String)
            {
                if (!sent.TryGetDateTimeOffset(out var s))
                    return new IngestOutcome(IngestStatus.BadRequest, "sentAt must be an ISO-8601 date-time.");
                parsed.BatchSentAt = s.ToUniversalTime();
            }
            if (root.TryGetProperty("context", out var ctx) && ctx.ValueKind == JsonValueKind.Object)
                parsed.BatchContext = ctx;
            foreach (var m in batch.EnumerateArray())
                parsed.Messages.Add((m, (m.ValueKind == JsonValueKind.Object ? KeyOf(m) : null) ?? parsed.RootKey ?? basicWriteKey));
        }
        else
        {
            parsed.Messages.Add((root, parsed.RootKey ?? basicWriteKey));
        }
        request = parsed;
        return null;
    }

    public void Dispose() => _doc.Dispose();

    private static string? KeyOf(JsonElement o) =>
        o.TryGetProperty("writeKey", out var k) && k.ValueKind == JsonValueKind.String ? k.GetString() : null;

    private static string Trim(string message) => message.Length > 300 ? message[..300] : message;
}
