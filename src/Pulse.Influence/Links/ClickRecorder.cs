using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Pulse.Collect.Ingest;

namespace Pulse.Influence.Links;

/// <summary>One click on its way to the log.</summary>
internal sealed record Click(
    string WriteKey,
    string ClickId,
    string VisitorId,
    DateTimeOffset At,
    LinkRoute Link,
    string ShortUrl,
    string Destination,
    string Via,
    string? Ref,
    int? Variant,
    string? Ip,
    string? UserAgent,
    string? Referrer);

/// <summary>
/// Puts clicks on the event log as <c>Link Clicked</c> track events without making the redirect
/// wait: the redirect hands its click to an in-memory queue and answers; this writer takes every
/// click waiting at that moment and sends them as one batch through ingest (group commit). A click
/// is durable when its batch commits, so a <c>kill -9</c> loses at most the clicks answered since
/// the last commit (one batch, a few milliseconds under load). The queue is bounded: when the log
/// cannot keep up, redirects wait for room rather than drop clicks. A batch the log refuses
/// (503 while it restarts) is retried until the server stops.
/// </summary>
internal sealed partial class ClickRecorder : BackgroundService
{
    private const int MaxBatch = 400;
    private readonly Channel<Click> _queue;
    private readonly ServerIngest _ingest;
    private readonly ILogger<ClickRecorder> _log;
    private readonly TimeProvider _time;
    private long _recorded;

    public ClickRecorder(ServerIngest ingest, IOptions<LinksOptions> options, ILogger<ClickRecorder> log, TimeProvider time)
    {
        _ingest = ingest;
        _log = log;
        _time = time;
        _queue = Channel.CreateBounded<Click>(new BoundedChannelOptions(options.Value.ClickQueue) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>Clicks committed to the log by this process.</summary>
    public long Recorded => Interlocked.Read(ref _recorded);

    /// <summary>Clicks waiting for the log.</summary>
    public int Waiting => _queue.Reader.Count;

    public ValueTask RecordAsync(Click click, CancellationToken ct) =>
        _queue.Writer.TryWrite(click) ? ValueTask.CompletedTask : _queue.Writer.WriteAsync(click, ct);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<Click>(MaxBatch);
        var reader = _queue.Reader;
        // On shutdown the queue is drained before the log closes (hosted services stop in reverse order).
        while (await reader.WaitToReadAsync(CancellationToken.None))
        {
            while (batch.Count < MaxBatch && reader.TryRead(out var click))
                batch.Add(click);
            foreach (var group in batch.GroupBy(c => c.WriteKey))
                await SendAsync(group.Key, group.ToList(), stoppingToken);
            batch.Clear();
            if (stoppingToken.IsCancellationRequested && reader.Count == 0)
                break;
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task SendAsync(string writeKey, List<Click> clicks, CancellationToken stopping)
    {
        var body = Batch(clicks);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var result = await _ingest.SendBatchAsync(writeKey, body, CancellationToken.None);
                if (result.Status == 200)
                {
                    Interlocked.Add(ref _recorded, result.Accepted + result.Duplicates);
                    if (result.Rejected > 0)
                        LogPartlyRefused(_log, result.Rejected, clicks.Count, result.Detail);
                    return;
                }
                if (result.Status is 400 or 401 or 403 or 413)
                {
                    LogRefused(_log, clicks.Count, result.Status, result.Detail);
                    return;
                }
                LogNotTaken(_log, clicks.Count, result.Status, result.Detail);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                LogFailed(_log, e, clicks.Count);
            }
            if (stopping.IsCancellationRequested && attempt >= 5)
            {
                LogLostAtShutdown(_log, clicks.Count);
                return;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(2000, 50 << Math.Min(attempt, 6))), _time, CancellationToken.None);
        }
    }

    /// <summary>The clicks as one Segment batch of track calls.</summary>
    private static ReadOnlyMemory<byte> Batch(List<Click> clicks)
    {
        var buffer = new ArrayBufferWriter<byte>(clicks.Count * 900);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("batch");
            foreach (var c in clicks)
            {
                w.WriteStartObject();
                w.WriteString("type", "track");
                w.WriteString("event", LinkService.ClickEvent);
                w.WriteString("messageId", c.ClickId);
                w.WriteString("anonymousId", c.VisitorId);
                w.WriteString("timestamp", c.At);
                w.WriteStartObject("properties");
                w.WriteString("linkId", c.Link.Id.ToString());
                w.WriteString("slug", c.Link.Slug);
                w.WriteString("clickId", c.ClickId);
                if (c.Link.CreatorId is { } creator)
                    w.WriteString("creatorId", creator.ToString());
                if (c.Link.Campaign is { } campaign)
                    w.WriteString("campaign", campaign);
                if (c.Link.Platform is { } platform)
                    w.WriteString("platform", platform);
                w.WriteString("via", c.Via);
                if (c.Ref is { } r)
                    w.WriteString("ref", r);
                if (c.Variant is { } v)
                    w.WriteNumber("variant", v);
                w.WriteString("destination", c.Destination);
                w.WriteEndObject();
                w.WriteStartObject("context");
                if (c.Ip is { } ip)
                    w.WriteString("ip", ip);
                if (c.UserAgent is { } ua)
                    w.WriteString("userAgent", ua);
                w.WriteStartObject("page");
                w.WriteString("url", c.ShortUrl);
                if (c.Referrer is { } referrer)
                    w.WriteString("referrer", referrer);
                w.WriteEndObject();
                w.WriteEndObject();
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        return buffer.WrittenMemory;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "{Rejected} of {Count} link clicks were refused by ingest: {Detail}")]
    private static partial void LogPartlyRefused(ILogger logger, int rejected, int count, string? detail);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Error, Message = "Ingest refused {Count} link clicks with {Status}: {Detail}")]
    private static partial void LogRefused(ILogger logger, int count, int status, string? detail);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning, Message = "The log did not take {Count} link clicks ({Status}: {Detail}); retrying")]
    private static partial void LogNotTaken(ILogger logger, int count, int status, string? detail);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning, Message = "Recording {Count} link clicks failed; retrying")]
    private static partial void LogFailed(ILogger logger, Exception exception, int count);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Error, Message = "{Count} link clicks could not be recorded before shutdown")]
    private static partial void LogLostAtShutdown(ILogger logger, int count);
}
