using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Pulse.Collect.Log;
using Pulse.Collect.Profiles;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;
using Pulse.Destinations.Mapping;

namespace Pulse.Destinations.Delivery;

/// <summary>What one request came to.</summary>
internal sealed record SendResult(DeliveryOutcome Outcome, int? Status, string? Message, string? Response, TimeSpan? RetryAfter, IReadOnlyList<LoggedEvent> Events)
{
    public static SendResult Nothing { get; } = new(DeliveryOutcome.Delivered, null, null, null, null, []);
}

/// <summary>
/// Delivers one destination's events. Its queue is the event log itself, read from the
/// destination's cursor (nothing is copied: the log is already durable and ordered); it cuts the
/// events into batches of the platform's size and sends up to <see cref="DestinationsOptions.Concurrency"/>
/// at once through its own resilience pipeline (Polly: retries with exponential back-off and jitter
/// that honour <c>Retry-After</c>, for <see cref="DestinationsOptions.RetryFor"/>; a circuit breaker;
/// a time-out per request). The cursor moves past a batch only when every batch before it is
/// finished (delivered or dead-lettered), so a crash sends again at most what was in flight, with
/// the same event ids. A slow or failing destination holds only its own cursor.
/// <para>
/// Beside the live stream it sends dead letters asked to be sent again and replays of the log,
/// through the same pipeline and concurrency.
/// </para>
/// </summary>
internal sealed partial class DestinationWorker : IAsyncDisposable
{
    private static readonly ResiliencePropertyKey<Chunk> ChunkKey = new("pulse.chunk");
    private static readonly TimeSpan SaveEvery = TimeSpan.FromMilliseconds(250);

    private readonly Destination _row;
    private readonly DestinationSettings _settings;
    private readonly Connector _connector;
    private readonly Func<DateTimeOffset, IReadOnlyList<string>> _signing;
    private readonly IReadOnlyList<Guid> _sources;
    private readonly IReadOnlyList<string>? _names;
    private readonly IReadOnlySet<Configs.PiiField> _pii;
    private readonly EventLog _log;
    private readonly ConsentOrder _order;
    private readonly IServiceScopeFactory _scopes;
    private readonly DeliveryStore _store;
    private readonly HttpClient _http;
    private readonly DestinationsOptions _options;
    private readonly TimeProvider _time;
    private readonly DeliveryMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ResiliencePipeline<SendResult> _pipeline;
    private readonly CircuitBreakerStateProvider _circuit = new();
    private readonly SemaphoreSlim _slots;
    private readonly CancellationTokenSource _stop = new();
    private readonly ConcurrentDictionary<Chunk, byte> _open = new();
    private readonly ConsentCache _consent = new();
    private static readonly IReadOnlyDictionary<string, JsonElement> NoTraits = new Dictionary<string, JsonElement>();
    private readonly int _batch;
    private readonly int _readSize;
    private long _position;
    private DateTimeOffset? _restoredFailingSince;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _main = Task.CompletedTask;
    private Task _side = Task.CompletedTask;

    public DestinationWorker(Destination row, DestinationSettings settings, Connector connector, Func<DateTimeOffset, IReadOnlyList<string>> signing,
        EventLog log, ConsentOrder order, IServiceScopeFactory scopes, DeliveryStore store, HttpClient http, DestinationsOptions options, TimeProvider time,
        DeliveryMetrics metrics, ILogger logger)
    {
        _row = row;
        _settings = settings;
        _connector = connector;
        _signing = signing;
        _log = log;
        _order = order;
        _scopes = scopes;
        _store = store;
        _http = http;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _sources = JsonSerializer.Deserialize<List<Guid>>(row.Sources) ?? [];
        _names = Names(settings.Type, settings.Mappings, row.Events is null ? null : JsonSerializer.Deserialize<List<string>>(row.Events));
        _pii = settings.Pii.ToHashSet();
        _batch = connector.MaxBatch(settings);
        // Reads of a few batches at once: a query's fixed cost is spread over more events.
        _readSize = Math.Clamp(_batch * 4, 1000, 8000);
        _slots = new SemaphoreSlim(options.Concurrency);
        _pipeline = BuildPipeline();
    }

    public Guid Id => _row.Id;
    public Guid WorkspaceId => _row.WorkspaceId;
    public string TypeName => _row.Type;
    public string Name => _row.Name;
    private long _requests;
    private long _failures;

    /// <summary>Requests sent since the worker started, and those that failed or were refused (for the alert watcher).</summary>
    public long RequestsTotal => Interlocked.Read(ref _requests);
    public long FailuresTotal => Interlocked.Read(ref _failures);
    public DateTimeOffset Version => _row.UpdatedAt;
    public long Position => Interlocked.Read(ref _position);
    public long Behind => Math.Max(0, _log.Head - Position);
    public bool CircuitOpen => _circuit.CircuitState is CircuitState.Open or CircuitState.Isolated;
    public string Circuit => _circuit.CircuitState.ToString().ToLowerInvariant();
    public int InFlight => _open.Count;
    public string? LastError { get; private set; }
    public DateTimeOffset? LastErrorAt { get; private set; }
    public DateTimeOffset? LastDeliveredAt { get; private set; }

    /// <summary>How long the oldest event read but not finished has waited since it was received.</summary>
    public TimeSpan OldestPendingAge
    {
        get
        {
            var oldest = _open.Keys.Select(c => c.Items.Count > 0 ? c.Items[0].Event.ReceivedAt : (DateTimeOffset?)null).Where(t => t is not null).DefaultIfEmpty(null).Min();
            return oldest is { } o ? TimeSpan.FromTicks(Math.Max(0, (_time.GetUtcNow() - o).Ticks)) : TimeSpan.Zero;
        }
    }

    public void Start(long position, DateTimeOffset? failingSince)
    {
        _position = position;
        _restoredFailingSince = failingSince;
        _main = Task.Run(() => RunLiveAsync(_stop.Token));
        _side = Task.Run(() => RunSideAsync(_stop.Token));
    }

    /// <summary>Wakes the side loop: a dead letter or a replay was queued.</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await Task.WhenAll(_main, _side);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
        _slots.Dispose();
    }

    /// <summary>The event names to read from the log: the destination's filter, narrowed to the names its platform takes (null: every event).</summary>
    internal static IReadOnlyList<string>? Names(DestinationType type, IReadOnlyList<EventMappingRule> rules, IReadOnlyList<string>? filter)
    {
        if (type == DestinationType.Webhook)
            return filter;
        var mapped = (filter ?? EventMapping.DefaultSourceNames.Concat(rules.Select(r => r.Event)))
            .Where(n => EventMapping.Resolve(type, n, rules) is not null).Distinct(StringComparer.Ordinal).ToList();
        return mapped;
    }

    private ResiliencePipeline<SendResult> BuildPipeline()
    {
        var retry = new RetryStrategyOptions<SendResult>
        {
            MaxRetryAttempts = int.MaxValue,
            BackoffType = DelayBackoffType.Exponential,
            UseJitter = true,
            Delay = _options.RetryBaseDelay,
            MaxDelay = _options.RetryMaxDelay,
            ShouldHandle = args => ValueTask.FromResult(Retryable(args.Outcome) && !Expired(args.Context)),
            DelayGenerator = args => ValueTask.FromResult(args.Outcome.Result?.RetryAfter is { } after
                ? (TimeSpan?)TimeSpan.FromTicks(Math.Min(after.Ticks, _options.MaxRetryAfter.Ticks))
                : null),
            OnRetry = _ =>
            {
                _metrics.Retried(this);
                return default;
            },
        };
        var breaker = new CircuitBreakerStrategyOptions<SendResult>
        {
            FailureRatio = 0.5,
            MinimumThroughput = _options.BreakerMinimumThroughput,
            SamplingDuration = TimeSpan.FromSeconds(30),
            BreakDuration = _options.BreakDuration,
            ShouldHandle = args => ValueTask.FromResult(Retryable(args.Outcome)),
            StateProvider = _circuit,
            OnOpened = args =>
            {
                LogCircuitOpened(_logger, _row.Name, _row.Id, args.BreakDuration);
                return default;
            },
            OnClosed = _ =>
            {
                LogCircuitClosed(_logger, _row.Name, _row.Id);
                return default;
            },
        };
        return new ResiliencePipelineBuilder<SendResult> { TimeProvider = _time }
            .AddRetry(retry)
            .AddCircuitBreaker(breaker)
            .AddTimeout(_options.RequestTimeout)
            .Build();
    }

    private static bool Retryable(Outcome<SendResult> outcome) => outcome.Exception switch
    {
        null => outcome.Result?.Outcome == DeliveryOutcome.Failed,
        OperationCanceledException => false,
        _ => true,
    };

    private bool Expired(ResilienceContext context) =>
        context.Properties.TryGetValue(ChunkKey, out var chunk) && chunk.FirstFailure is { } since && _time.GetUtcNow() - since >= _options.RetryFor;

    private sealed record Item(LoggedEvent Event, string Target);

    /// <summary>
    /// The events this destination sends, with the name each goes out as: the call types it takes,
    /// mapped events only, no robots (ad platforms), not when the consent the event was sent with
    /// already refused one of the destination's categories, and only those meeting its property conditions.
    /// </summary>
    private List<Item> Select(IReadOnlyList<LoggedEvent> events, bool ignoreFilters = false)
    {
        var list = new List<Item>(events.Count);
        foreach (var e in events)
        {
            if (!ignoreFilters && !_sources.Contains(e.SourceId))
                continue;
            string? target;
            if (e.Type == "track" && e.Event is { } name)
                target = EventMapping.Resolve(_settings.Type, name, _settings.Mappings);
            else
                target = _connector.TrackOnly ? null : e.Event ?? e.Type;
            if (target is null || (_settings.Type != DestinationType.Webhook && e.Enrichment.IsBot))
                continue;
            if (!CaptureAllows(e.Consent))
                continue;
            if (_settings.Conditions.Count > 0)
            {
                using var doc = JsonDocument.Parse(e.Raw);
                if (!EventConditions.Matches(_settings.Conditions, doc.RootElement))
                    continue;
            }
            list.Add(new Item(e, target));
        }
        return list;
    }

    private bool CaptureAllows(string? consent)
    {
        if (consent is null || _settings.ConsentCategories.Count == 0)
            return true;
        using var doc = JsonDocument.Parse(consent);
        var refused = 0;
        foreach (var category in _settings.ConsentCategories)
        {
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty(category, out var v) && v.ValueKind == JsonValueKind.False)
                refused++;
        }
        return _settings.ConsentMatch == ConsentMatch.All ? refused == 0 : refused < _settings.ConsentCategories.Count;
    }

    /// <summary>
    /// Batches of at most the platform's size (events of one key together, for platforms that need
    /// it). The last one carries the position the read covered (so filtered-out events move the
    /// cursor too); when events are regrouped by key, the others carry no progress of their own, so
    /// the cursor passes the read only once all of its batches are finished.
    /// </summary>
    private IEnumerable<Chunk> Cut(List<Item> items, long from, long upTo, DeliveryKind kind)
    {
        if (items.Count == 0)
        {
            yield return new Chunk([], upTo, kind);
            yield break;
        }
        var grouped = items.Any(i => _connector.BatchKey(i.Event) is not null);
        var groups = grouped
            ? items.GroupBy(i => _connector.BatchKey(i.Event) ?? "", StringComparer.Ordinal).Select(g => g.ToList()).ToList()
            : [items];
        var parts = groups.SelectMany(g => Enumerable.Range(0, (g.Count + _batch - 1) / _batch).Select(i => g.GetRange(i * _batch, Math.Min(_batch, g.Count - i * _batch)))).ToList();
        for (var i = 0; i < parts.Count; i++)
        {
            var last = i == parts.Count - 1;
            yield return new Chunk(parts[i], last ? upTo : grouped ? from : parts[i][^1].Event.Seq, kind);
        }
    }

    private sealed class Chunk(List<Item> items, long upTo, DeliveryKind kind)
    {
        public List<Item> Items { get; } = items;
        public long UpTo { get; } = upTo;
        public DeliveryKind Kind { get; } = kind;
        public Task<ChunkResult>? Task { get; set; }
        public DateTimeOffset? FirstFailure { get; set; }
        public int Attempts { get; set; }
        /// <summary>Events finished without being sent (dead-lettered as invalid, or refused by consent): left out of later attempts.</summary>
        public HashSet<long> Finished { get; } = [];
        /// <summary>How many of <see cref="Finished"/> went to the dead-letter store (the others were refused by consent).</summary>
        public int DeadLettered { get; set; }
    }

    private sealed record ChunkResult(IReadOnlyList<long> Delivered, int Dead);

    private void SetError(string? message)
    {
        LastError = message;
        LastErrorAt = _time.GetUtcNow();
    }

    [LoggerMessage(EventId = 3020, Level = LogLevel.Warning, Message = "Destination {Name} ({Id}): circuit opened for {Duration} after repeated failures")]
    private static partial void LogCircuitOpened(ILogger logger, string name, Guid id, TimeSpan duration);

    [LoggerMessage(EventId = 3021, Level = LogLevel.Information, Message = "Destination {Name} ({Id}): circuit closed, deliveries go through again")]
    private static partial void LogCircuitClosed(ILogger logger, string name, Guid id);

    [LoggerMessage(EventId = 3022, Level = LogLevel.Error, Message = "Destination {Name} ({Id}): delivery loop failed; starting again from its cursor")]
    private static partial void LogWorkerFailed(ILogger logger, Exception e, string name, Guid id);
}
