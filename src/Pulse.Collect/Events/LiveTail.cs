using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Pulse.Platform.Cluster;

namespace Pulse.Collect.Events;

/// <summary>What the live debugger shows of one incoming message, or of a refused request.</summary>
/// <param name="Status">One of <see cref="LiveStatus"/>.</param>
/// <param name="Node">The node that received it (cluster mode: which of the nodes).</param>
/// <param name="Seq">The log position of a stored event.</param>
/// <param name="Reason">Why it was not stored: the check that refused it, or the plan violations (JSON).</param>
/// <param name="Message">The message as stored (stored, duplicate, blocked) or as sent (rejected); null for a refused request or a message too large to show.</param>
public sealed record LiveEntry(
    DateTimeOffset ReceivedAt,
    string Node,
    Guid SourceId,
    string Status,
    long? Seq,
    string? MessageId,
    string? Type,
    string? Event,
    string? UserId,
    string? AnonymousId,
    string? Reason,
    JsonElement? Message);

/// <summary>The entries of a short interval; <paramref name="Skipped"/> counts the messages left out because more arrived than the debugger shows.</summary>
public sealed record LiveBatch(IReadOnlyList<LiveEntry> Entries, int Skipped);

public static class LiveStatus
{
    /// <summary>Appended to the log.</summary>
    public const string Stored = "stored";
    /// <summary>Accepted, but its message id was already stored for the source; not stored again.</summary>
    public const string Duplicate = "duplicate";
    /// <summary>Kept in quarantine by a tracking plan in block mode.</summary>
    public const string Blocked = "blocked";
    /// <summary>Refused by the message checks (the rest of its batch may have been stored).</summary>
    public const string Rejected = "rejected";
    /// <summary>The whole request was refused (origin, size, rate); no message of it was kept.</summary>
    public const string Refused = "refused";
}

/// <summary>
/// The live debugger's feed: ingest offers what happened to each message of a watched workspace,
/// and every quarter second the entries go out to the watchers on every node (through
/// <see cref="IFanOut"/>). Nothing is gathered for a workspace nobody watches. Like the debuggers
/// of Segment and RudderStack it samples: at most <see cref="MaxPerInterval"/> entries per
/// workspace and interval leave a node, and the rest are counted as skipped.
/// </summary>
public sealed class LiveTail : BackgroundService
{
    public const int MaxPerInterval = 50;
    /// <summary>Messages larger than this are listed without their body.</summary>
    public const int MaxMessageBytes = 16 * 1024;
    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(15);
    private readonly IFanOut _fanOut;
    private readonly string _node;
    private readonly ConcurrentDictionary<Guid, string> _channels = new();
    private readonly ConcurrentDictionary<Guid, Pending> _pending = new();

    private readonly CancellationToken _stopping;

    /// <param name="lifetime">Streams end when the server begins to stop, so that open debuggers do not hold up its shutdown.</param>
    public LiveTail(IFanOut fanOut, IOptions<ClusterOptions> cluster, IHostApplicationLifetime lifetime)
    {
        _fanOut = fanOut;
        _stopping = lifetime.ApplicationStopping;
        _node = cluster.Value.ResolvedNodeName;
    }

    public string Node => _node;

    /// <summary>Whether anyone watches the workspace's feed; callers check this before building anything to offer.</summary>
    public bool Watching(Guid workspaceId) => _fanOut.HasListeners(Channel(workspaceId));

    /// <summary>Queues an entry; <paramref name="make"/> runs later, off the request's thread, and only if the entry is not skipped.</summary>
    public void Offer(Guid workspaceId, Func<LiveEntry> make)
    {
        var pending = _pending.GetOrAdd(workspaceId, _ => new Pending());
        lock (pending)
        {
            if (pending.Items.Count >= MaxPerInterval)
                pending.Skipped++;
            else
                pending.Items.Add(make);
        }
    }

    /// <summary>Calls <paramref name="handler"/> with the workspace's entries from every node until the result is disposed.</summary>
    public IDisposable Watch(Guid workspaceId, Action<LiveBatch> handler) =>
        _fanOut.Subscribe(Channel(workspaceId), payload => handler(JsonSerializer.Deserialize(payload.Span, CollectJsonContext.Default.LiveBatch)!));

    /// <summary>An entry for a message body kept as UTF-8 JSON; a body over <see cref="MaxMessageBytes"/> is left out and said so.</summary>
    public static (JsonElement? Message, string? Note) Body(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxMessageBytes)
            return (null, $"message of {utf8.Length} bytes not shown");
        var reader = new Utf8JsonReader(utf8);
        return JsonElement.TryParseValue(ref reader, out var element) ? (element, null) : (null, "message is not JSON");
    }

    /// <summary>Sends what was gathered; the server calls it every quarter second, tests call it directly.</summary>
    public void Flush()
    {
        foreach (var (workspaceId, pending) in _pending)
        {
            List<Func<LiveEntry>> items;
            int skipped;
            lock (pending)
            {
                if (pending.Items.Count == 0 && pending.Skipped == 0)
                    continue;
                items = pending.Items;
                skipped = pending.Skipped;
                pending.Items = new List<Func<LiveEntry>>(MaxPerInterval);
                pending.Skipped = 0;
            }
            var batch = new LiveBatch(items.Select(make => make()).ToList(), skipped);
            _fanOut.Publish(Channel(workspaceId), JsonSerializer.SerializeToUtf8Bytes(batch, CollectJsonContext.Default.LiveBatch));
        }
        // Workspaces nobody watches any more give up their queue.
        foreach (var (workspaceId, pending) in _pending)
        {
            lock (pending)
            {
                if (pending.Items.Count == 0 && pending.Skipped == 0 && !Watching(workspaceId))
                    _pending.TryRemove(workspaceId, out _);
            }
        }
    }

    /// <summary>
    /// The feed as a stream for one watcher: batches from every node, filtered to a source when given,
    /// and an empty batch at the start and after <see cref="Idle"/> without traffic, so a watcher
    /// (and any proxy between) knows the connection is alive. A watcher too slow to read loses the
    /// oldest batches, never the connection.
    /// </summary>
    public async IAsyncEnumerable<LiveBatch> StreamAsync(Guid workspaceId, Guid? sourceId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken requestAborted)
    {
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(requestAborted, _stopping);
        var ct = linked.Token;
        var queue = System.Threading.Channels.Channel.CreateBounded<LiveBatch>(new System.Threading.Channels.BoundedChannelOptions(64)
        {
            FullMode = System.Threading.Channels.BoundedChannelFullMode.DropOldest,
            SingleReader = true,
        });
        using var watch = Watch(workspaceId, batch =>
        {
            if (sourceId is { } s)
                batch = batch with { Entries = batch.Entries.Where(e => e.SourceId == s).ToList() };
            if (batch.Entries.Count > 0 || batch.Skipped > 0)
                queue.Writer.TryWrite(batch);
        });
        yield return new LiveBatch([], 0);
        while (!ct.IsCancellationRequested)
        {
            LiveBatch? next = null;
            using (var idle = CancellationTokenSource.CreateLinkedTokenSource(ct))
            {
                idle.CancelAfter(Idle);
                try
                {
                    next = await queue.Reader.ReadAsync(idle.Token);
                }
                catch (OperationCanceledException) when (!ct.IsCancellationRequested)
                {
                }
                catch (OperationCanceledException)
                {
                    yield break;
                }
            }
            yield return next ?? new LiveBatch([], 0);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // The cadence is wall time whatever clock the application runs on (tests run on a fake one).
        using var timer = new PeriodicTimer(Interval);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
                Flush();
        }
        catch (OperationCanceledException)
        {
        }
    }

    private string Channel(Guid workspaceId) => _channels.GetOrAdd(workspaceId, id => "live:" + id.ToString("N"));

    private sealed class Pending
    {
        public List<Func<LiveEntry>> Items = new(MaxPerInterval);
        public int Skipped;
    }
}
