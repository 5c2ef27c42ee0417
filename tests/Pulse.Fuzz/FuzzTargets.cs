using System.Net;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Ingest;
using Pulse.Collect.Sources;
using Pulse.Collect.Tag;

namespace Pulse.Fuzz;

/// <summary>
/// The public parsers of ingest, driven with arbitrary bytes. Each target returns normally for every
/// outcome the server answers with a 4xx; anything else (an exception, a broken invariant) escapes
/// and is a finding.
/// </summary>
public static class FuzzTargets
{
    public const string IngestJson = "ingest-json";
    public const string PixelQuery = "pixel-query";
    public const string GzipBody = "gzip-body";

    /// <summary>Target names to entry points.</summary>
    public static IReadOnlyDictionary<string, Action<byte[]>> All { get; } = new Dictionary<string, Action<byte[]>>(StringComparer.Ordinal)
    {
        [IngestJson] = RunIngestJson,
        [PixelQuery] = RunPixelQuery,
        [GzipBody] = RunGzipBody,
    };

    /// <summary>
    /// A Segment request body: parsed as a batch and as a single track call, every message built into
    /// a log record (checks, clock correction, enrichment, stored JSON) and packed as the log writes it.
    /// </summary>
    public static void RunIngestJson(byte[] body)
    {
        Ingest(body, null);
        Ingest(body, CallTypes.Track);
    }

    /// <summary>A <c>/p.gif</c> query string (without <c>?</c>): the pixel's message, then the ingest path with it.</summary>
    public static void RunPixelQuery(byte[] query)
    {
        var text = Encoding.UTF8.GetString(query);
        var collection = new QueryCollection(QueryHelpers.ParseQuery(text));
        string json, type;
        try
        {
            (json, type) = TagEndpoints.PixelMessage(collection);
        }
        catch (FormatException e) when (e.Message.Length > 0)
        {
            return;
        }
        Ingest(Encoding.UTF8.GetBytes(json), type);
    }

    /// <summary>A gzip request body read under a 64 KB limit.</summary>
    public static void RunGzipBody(byte[] compressed)
    {
        const int limit = 64 * 1024;
        var context = new DefaultHttpContext();
        context.Request.Headers.ContentEncoding = "gzip";
        context.Request.Body = new MemoryStream(compressed, writable: false);
        var (body, problem) = IngestBody.ReadAsync(context.Request, limit, CancellationToken.None).GetAwaiter().GetResult();
        using (body)
        {
            if (problem == BodyProblem.None)
            {
                Check(body is not null && body.Length is > 0 and <= limit, "a body read without a problem is within the limit");
                Ingest(body!.Memory.ToArray(), null);
            }
            else
            {
                Check(body is null, "a refused body is not returned");
            }
        }
    }

    private static void Ingest(byte[] body, string? pathType)
    {
        var refused = IngestRequest.Parse(body, pathType, "wk_fuzz", out var request);
        if (refused is not null)
        {
            Check(request is null && refused.Status is IngestStatus.BadRequest or IngestStatus.TooLarge && !string.IsNullOrEmpty(refused.Detail),
                "a refused body gets 400 or 413 with a reason");
            return;
        }
        using (request)
        {
            var facts = new RequestFacts(pathType, State.ReceivedAt, request!.BatchSentAt, request.BatchContext, IPAddress.Parse("203.0.113.7"), null);
            var builder = new MessageBuilder(State.Enricher);
            foreach (var (message, key) in request.Messages)
            {
                Check(key is not null, "every message has a write key");
                var record = builder.Build(message, facts, State.Source, out var reason);
                if (record is null)
                {
                    Check(!string.IsNullOrEmpty(reason), "a refused message has a reason");
                    continue;
                }
                record.Prepare();
                using var stored = JsonDocument.Parse(record.Raw);
                Check(stored.RootElement.GetProperty("messageId").GetString() == record.MessageId, "the stored JSON holds the message id");
                Check(record.Timestamp.Year >= 1970 && record.Timestamp <= State.ReceivedAt.UtcDateTime.AddDays(1), "the timestamp lies between 1970 and a day ahead");
                Check(record.Event is null || record.Event.Length <= MessageBuilder.MaxEventNameLength, "event names are bounded");
            }
        }
    }

    // Apart, so that looking a target up touches no type of the instrumented assembly: its module
    // initialiser must not run before SharpFuzz has set up the shared memory it writes coverage to.
    private static class State
    {
        public static readonly DateTimeOffset ReceivedAt = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        public static readonly Enricher Enricher = new(new UserAgentParser(), new ReferrerClassifier(), new GeoLookup(null));
        public static readonly IngestSource Source = new(
            Guid.Parse("0193a000-0000-7000-8000-000000000001"), Guid.Parse("0193a000-0000-7000-8000-000000000002"), "Fuzz", true, ["*"],
            MaxEventBytes: 32 * 1024, MaxBatchBytes: 500 * 1024, RateLimitPerSecond: 0, IpMode.Truncate, new byte[32], ConsentDefault.Allow);
    }

    private static void Check(bool condition, string what)
    {
        if (!condition)
            throw new InvalidOperationException("Invariant broken: " + what);
    }
}
