using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Polly;
using Polly.CircuitBreaker;
using Polly.Retry;
using Polly.Timeout;
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

    private async Task RunLiveAsync(CancellationToken ct)
    {
        var pending = new Queue<Chunk>();
        var read = Position;
        // The cursor is written by its own loop a few times a second, never in the way of reading and sending.
        var saver = RunSaverAsync(ct);
        while (!ct.IsCancellationRequested)
        {
            try
            {
                while (pending.Count > 0 && pending.Peek().Task!.IsCompleted)
                {
                    var done = pending.Dequeue();
                    await done.Task!; // a failure here is a bug or a stop; either way the cursor stays
                    Interlocked.Exchange(ref _position, done.UpTo);
                }
                var failing = pending.Where(c => c.FirstFailure is not null).Select(c => c.FirstFailure).Min();
                if (pending.Count == 0 && failing is null)
                    _restoredFailingSince = null;
                Interlocked.Exchange(ref _failingTicks, (failing ?? (pending.Count > 0 ? _restoredFailingSince : null))?.UtcTicks ?? 0);
                // Consent in log order: nothing past a consent fact the profiles have not applied yet.
                ConsentHorizon? held = null;
                if (pending.Count < Math.Max(_options.Concurrency * 2, 2 * _readSize / _batch))
                {
                    var horizon = await _order.SendableUpToAsync(_row.WorkspaceId, ct);
                    if (horizon.Holds(read))
                        held = horizon;
                    var (events, upTo) = horizon.Sendable > read
                        ? await _log.ReadSelectedAsync(_row.WorkspaceId, _sources, _names, read, horizon.Sendable, _readSize, ct)
                        : ([], read);
                    if (upTo > read)
                    {
                        foreach (var chunk in Cut(Select(events), read, upTo, DeliveryKind.Live))
                        {
                            chunk.Task = SendChunkAsync(chunk, ct);
                            pending.Enqueue(chunk);
                        }
                        read = upTo;
                        continue;
                    }
                }
                // Held at a consent fact: only the profile builder's progress can free it; else new events can.
                var waits = new List<Task> { held is { } h ? _order.AppliedMoreAsync(h, ct) : _log.WaitForDeliverableAsync(read, ct) };
                if (pending.Count > 0)
                    waits.Add(pending.Peek().Task!);
                await Task.WhenAny(waits).WaitAsync(TimeSpan.FromSeconds(1), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                // The log or the store failed: start again from the cursor (what was in flight is sent again, same event ids).
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
                SetError(e.Message);
                await Task.WhenAll(pending.Select(p => p.Task!)).ContinueWith(_ => { }, TaskScheduler.Default);
                pending.Clear();
                read = Position;
                await Task.Delay(TimeSpan.FromSeconds(1), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
        // Stopping: whatever finished in order is recorded; the rest is sent again after the restart.
        while (pending.Count > 0 && pending.Peek().Task!.IsCompletedSuccessfully)
            Interlocked.Exchange(ref _position, pending.Dequeue().UpTo);
        await saver;
        await SaveAsync(CancellationToken.None);
    }

    private long _failingTicks;
    private long _savedPosition = -1;
    private long _savedFailingTicks = -1;

    private async Task RunSaverAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(SaveEvery, _time, ct);
                await SaveAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
            }
        }
    }

    /// <summary>Writes the cursor (and when its oldest failing batch began) if either moved since the last write.</summary>
    private async Task SaveAsync(CancellationToken ct)
    {
        var position = Position;
        var failing = Interlocked.Read(ref _failingTicks);
        if (position == _savedPosition && failing == _savedFailingTicks)
            return;
        await _store.SaveCursorAsync(_row.Id, position, failing == 0 ? null : new DateTimeOffset(failing, TimeSpan.Zero), ct);
        _savedPosition = position;
        _savedFailingTicks = failing;
    }

    /// <summary>Dead letters asked to be sent again, then replays of the log, one batch at a time.</summary>
    private async Task RunSideAsync(CancellationToken ct)
    {
        while (!ct.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake).Task;
            try
            {
                var worked = await RedriveAsync(ct) | await ReplayAsync(ct);
                if (!worked)
                    await wake.WaitAsync(TimeSpan.FromSeconds(2), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e)
            {
                LogWorkerFailed(_logger, e, _row.Name, _row.Id);
                await Task.Delay(TimeSpan.FromSeconds(2), _time, ct).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private async Task<bool> RedriveAsync(CancellationToken ct)
    {
        var sendable = (await _order.SendableUpToAsync(_row.WorkspaceId, ct)).Sendable;
        // A dead letter past a consent fact not applied yet stays queued until it is.
        var queued = (await _store.QueuedDeadLettersAsync(_row.Id, _batch, ct)).Where(s => s <= sendable).ToList();
        if (queued.Count == 0)
            return false;
        var loaded = _log.ReadableHead;
        var events = await _log.ReadPositionsAsync(_row.WorkspaceId, queued, ct);
        var found = events.Select(e => e.Seq).ToHashSet();
        // An event not in the store yet (sent from memory, dead-lettered before the loader caught up) waits for it.
        var gone = queued.Where(s => !found.Contains(s) && s <= loaded).ToList();
        if (events.Count == 0 && gone.Count == 0)
            return false;
        if (gone.Count > 0)
            await _store.RedriveEndedAsync(_row.Id, gone, delivered: false, "The event is no longer in the log (past the retention period).", ct);
        var selected = Select(events, ignoreFilters: true);
        var unmapped = events.Where(e => !selected.Any(s => s.Event.Seq == e.Seq)).Select(e => e.Seq).ToList();
        if (unmapped.Count > 0)
            await _store.RedriveEndedAsync(_row.Id, unmapped, delivered: false, "The destination's mapping no longer sends this event.", ct);
        if (selected.Count > 0)
        {
            var delivered = new List<long>();
            foreach (var chunk in Cut(selected, 0, 0, DeliveryKind.Redrive))
                delivered.AddRange((await SendChunkAsync(chunk, ct)).Delivered);
            await _store.RedriveEndedAsync(_row.Id, delivered, delivered: true, null, ct);
        }
        return true;
    }

    private async Task<bool> ReplayAsync(CancellationToken ct)
    {
        var replay = await _store.NextReplayAsync(_row.Id, ct);
        if (replay is null)
            return false;
        var sendable = Math.Min(replay.LastSeq, (await _order.SendableUpToAsync(_row.WorkspaceId, ct)).Sendable);
        if (sendable <= replay.Position)
            return false; // waits for the profiles to apply the consent facts before the next event
        var (events, upTo) = await _log.ReadSelectedAsync(_row.WorkspaceId, _sources, _names, replay.Position, sendable, _readSize, ct);
        long sent = 0, dead = 0;
        foreach (var chunk in Cut(Select(events), replay.Position, upTo, DeliveryKind.Replay))
        {
            var result = await SendChunkAsync(chunk, ct);
            sent += result.Delivered.Count;
            dead += result.Dead;
        }
        await _store.ReplayProgressAsync(replay.Id, upTo, sent, dead, done: upTo >= replay.LastSeq, ct);
        return true;
    }

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

    private async Task<ChunkResult> SendChunkAsync(Chunk chunk, CancellationToken ct)
    {
        if (chunk.Items.Count == 0)
            return new ChunkResult([], 0);
        _open[chunk] = 0;
        await _slots.WaitAsync(ct);
        try
        {
            var context = ResilienceContextPool.Shared.Get(ct);
            context.Properties.Set(ChunkKey, chunk);
            Outcome<SendResult> outcome;
            try
            {
                outcome = await _pipeline.ExecuteOutcomeAsync(
                    static async (c, state) =>
                    {
                        try
                        {
                            return Outcome.FromResult(await state.Worker.AttemptAsync(state.Chunk, c.CancellationToken));
                        }
                        catch (Exception e)
                        {
                            return Outcome.FromException<SendResult>(e);
                        }
                    }, context, (Worker: this, Chunk: chunk));
            }
            finally
            {
                ResilienceContextPool.Shared.Return(context);
            }
            ct.ThrowIfCancellationRequested();
            var dead = chunk.DeadLettered;
            if (outcome.Result is { Outcome: DeliveryOutcome.Delivered } ok)
            {
                if (ok.Events.Count > 0)
                {
                    _metrics.Sent(this, ok.Events.Count);
                    LastDeliveredAt = _time.GetUtcNow();
                }
                return new ChunkResult(ok.Events.Select(e => e.Seq).ToList(), dead);
            }
            // Refused for good, or still failing when the retry period ended: the events go to the dead-letter store.
            var events = outcome.Result?.Events ?? chunk.Items.Select(i => i.Event).Where(e => !chunk.Finished.Contains(e.Seq)).ToList();
            var reason = outcome.Result is { Outcome: DeliveryOutcome.Rejected } r
                ? $"Refused by the destination: {r.Message}"
                : $"Still failing after {_options.RetryFor.TotalHours:0.#} h of retries: {outcome.Result?.Message ?? outcome.Exception?.Message}";
            await DeadLetterAsync(chunk, events, reason, outcome.Result?.Status, outcome.Result?.Response, ct);
            return new ChunkResult([], dead + events.Count);
        }
        finally
        {
            _slots.Release();
            _open.TryRemove(chunk, out _);
        }
    }

    private async Task DeadLetterAsync(Chunk chunk, IReadOnlyList<LoggedEvent> events, string reason, int? status, string? response, CancellationToken ct)
    {
        if (events.Count == 0)
            return;
        var targets = chunk.Items.ToDictionary(i => i.Event.Seq, i => i.Target);
        await _store.DeadLetterAsync(_row, events.Select(e => (e, targets.GetValueOrDefault(e.Seq), reason)).ToList(), status, response, _time.GetUtcNow(), ct);
        foreach (var e in events)
        {
            if (chunk.Finished.Add(e.Seq))
                chunk.DeadLettered++;
        }
        _metrics.DeadLettered(this, events.Count);
    }

    /// <summary>One request for what of the batch is still to be sent, with the people's consent and fields as they are now.</summary>
    private async Task<SendResult> AttemptAsync(Chunk chunk, CancellationToken ct)
    {
        chunk.Attempts++;
        var now = _time.GetUtcNow();
        var items = chunk.Items.Where(i => !chunk.Finished.Contains(i.Event.Seq)).ToList();
        if (items.Count == 0)
            return SendResult.Nothing;
        Func<string?, string?, Collect.Profiles.ConsentState> consentOf;
        Func<string?, string?, IReadOnlyDictionary<string, JsonElement>> traitsOf;
        await using (var scope = _scopes.CreateAsyncScope())
        {
            var profiles = scope.ServiceProvider.GetRequiredService<ProfileService>();
            if (_pii.Count == 0)
            {
                // Consent only: kept between batches while no profile write could have changed it.
                consentOf = await _consent.ResolveAsync(profiles, _row.WorkspaceId, items.Select(i => i.Event), ct);
                traitsOf = static (_, _) => NoTraits;
            }
            else
            {
                var people = await profiles.PeopleAsync(_row.WorkspaceId,
                    items.Where(i => i.Event.UserId is not null).Select(i => i.Event.UserId!).ToList(),
                    items.Where(i => i.Event.AnonymousId is not null).Select(i => i.Event.AnonymousId!).ToList(), traits: true, ct);
                consentOf = people.Consent;
                traitsOf = people.Traits;
            }
        }
        var docs = new List<JsonDocument>(items.Count);
        try
        {
            var outgoing = new List<OutgoingEvent>(items.Count);
            var invalid = new List<(LoggedEvent, string)>();
            var refused = 0;
            foreach (var item in items)
            {
                var e = item.Event;
                // Consent as it is now: someone who opted out after the event was queued is not sent.
                if (!consentOf(e.UserId, e.AnonymousId).Allows(_settings.ConsentCategories, _settings.ConsentMatch == ConsentMatch.All))
                {
                    chunk.Finished.Add(e.Seq);
                    refused++;
                    continue;
                }
                OutgoingEvent o;
                if (_connector.ReadsMessage)
                {
                    var doc = JsonDocument.Parse(e.Raw);
                    docs.Add(doc);
                    o = new OutgoingEvent(e, item.Target, doc.RootElement, PersonFields.From(e, doc.RootElement, traitsOf(e.UserId, e.AnonymousId), _pii));
                }
                else
                {
                    o = new OutgoingEvent(e, item.Target, default, PersonFields.None);
                }
                if (_connector.Problem(_settings, o, now) is { } problem)
                    invalid.Add((e, problem));
                else
                    outgoing.Add(o);
            }
            if (refused > 0)
                _metrics.Skipped(this, refused);
            foreach (var group in invalid.GroupBy(i => i.Item2))
                await DeadLetterAsync(chunk, group.Select(g => g.Item1).ToList(), "Not sent: " + group.Key, null, null, ct);
            if (outgoing.Count == 0)
                return SendResult.Nothing;
            var sent = outgoing.Select(o => o.Event).ToList();
            var started = _time.GetTimestamp();
            Answer answer;
            try
            {
                answer = await Sender.SendAsync(_http, _connector, _settings, outgoing, now, _signing(now), ct);
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                // The pipeline's time-out cancelled the request.
                Record(chunk, sent, new Verdict(DeliveryOutcome.Failed, $"No answer within {_options.RequestTimeout.TotalSeconds:0.#} s."), null, null, started);
                throw;
            }
            var (verdict, status, body, retryAfter) = answer;
            Record(chunk, sent, verdict, status, body, started);
            return new SendResult(verdict.Outcome, status, verdict.Message, body is null ? null : Connector.Excerpt(body, Answer.MaxText), retryAfter, sent);
        }
        finally
        {
            foreach (var d in docs)
                d.Dispose();
        }
    }

    private void Record(Chunk chunk, IReadOnlyList<LoggedEvent> sent, Verdict verdict, int? status, string? body, long started)
    {
        var now = _time.GetUtcNow();
        _metrics.Request(this, verdict.Outcome);
        Interlocked.Increment(ref _requests);
        if (verdict.Outcome != DeliveryOutcome.Delivered)
            Interlocked.Increment(ref _failures);
        if (verdict.Outcome != DeliveryOutcome.Delivered)
        {
            SetError(verdict.Message);
            if (verdict.Outcome == DeliveryOutcome.Failed)
                chunk.FirstFailure ??= _restoredFailingSince ?? now;
        }
        _store.Record(new DeliveryAttempt
        {
            Id = Guid.CreateVersion7(now),
            DestinationId = _row.Id,
            WorkspaceId = _row.WorkspaceId,
            At = now,
            Kind = chunk.Kind,
            Attempt = chunk.Attempts,
            Events = sent.Count,
            FirstSeq = sent[0].Seq,
            LastSeq = sent[^1].Seq,
            Seqs = SeqList.Encode(sent.Select(e => e.Seq).ToList()),
            Outcome = verdict.Outcome,
            Status = status,
            LatencyMs = (int)Math.Min(int.MaxValue, _time.GetElapsedTime(started).TotalMilliseconds),
            Response = Answer.Text(verdict, body),
        });
    }

    private void SetError(string? message)
    {
        LastError = message;
        LastErrorAt = _time.GetUtcNow();
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Destination {Name} ({Id}): circuit opened for {Duration} after repeated failures")]
    private static partial void LogCircuitOpened(ILogger logger, string name, Guid id, TimeSpan duration);

    [LoggerMessage(Level = LogLevel.Information, Message = "Destination {Name} ({Id}): circuit closed, deliveries go through again")]
    private static partial void LogCircuitClosed(ILogger logger, string name, Guid id);

    [LoggerMessage(Level = LogLevel.Error, Message = "Destination {Name} ({Id}): delivery loop failed; starting again from its cursor")]
    private static partial void LogWorkerFailed(ILogger logger, Exception e, string name, Guid id);
}
