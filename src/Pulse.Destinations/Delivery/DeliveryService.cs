using System.Text.Json;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Pulse.Collect.Log;
using Pulse.Destinations.Configs;
using Pulse.Destinations.Connectors;
using Pulse.Destinations.Mapping;
using Pulse.Destinations.Storage;
using Pulse.Platform.Access;
using Pulse.Platform.Audit;
using Pulse.Platform.Paging;
using Pulse.Platform.Storage;

namespace Pulse.Destinations.Delivery;

/// <summary>
/// What people see and do about deliveries: the delivery log, dead letters and sending them
/// again, replays of the log, a destination's status, and the "send test event" action. The
/// engine is null in CLI commands (the server delivers): work queued there is picked up by the
/// server's engine on its next look.
/// </summary>
public sealed class DeliveryService
{
    private readonly DestinationsDbContext _db;
    private readonly PulseDbContext _platform;
    private readonly AuditTrail _audit;
    private readonly EventLog _log;
    private readonly DeliveryClients _clients;
    private readonly DeliveryEngine? _engine;
    private readonly TimeProvider _time;
    private readonly IDataProtectionProvider _protection;
    private readonly IOptions<DestinationsOptions> _options;

    internal DeliveryService(DestinationsDbContext db, PulseDbContext platform, AuditTrail audit, EventLog log, DeliveryClients clients, DeliveryEngine? engine,
        TimeProvider time, IDataProtectionProvider protection, IOptions<DestinationsOptions> options)
    {
        _db = db;
        _platform = platform;
        _audit = audit;
        _log = log;
        _clients = clients;
        _engine = engine;
        _time = time;
        _protection = protection;
        _options = options;
    }

    private const string AttemptCursor = "deliveries";
    private const string DeadCursor = "dead-letters";
    /// <summary>The longest range a replay may cover, in days.</summary>
    public const int MaxReplayDays = 400;

    /// <summary>The delivery log, newest first: each request with its events, status, latency and answer; only those that carried <paramref name="messageId"/>, or of an <paramref name="outcome"/>, when given.</summary>
    public async Task<Page<DeliveryAttemptDto>> DeliveriesAsync(Actor actor, Guid id, string? messageId, string? outcome, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        await FindAsync(actor, id, ct);
        var query = _db.Attempts.AsNoTracking().Where(a => a.DestinationId == id);
        if (outcome is not null)
        {
            if (!Enum.TryParse<DeliveryOutcome>(outcome, ignoreCase: true, out var o) || int.TryParse(outcome, out _))
                throw new ValidationException("outcome", "outcome is delivered, failed or rejected.");
            query = query.Where(a => a.Outcome == o);
        }
        long? seq = null;
        if (messageId is not null)
        {
            if (messageId.Length is 0 or > 200)
                throw new ValidationException("messageId", "messageId must be 1 to 200 characters.");
            seq = await _log.PositionOfAsync(actor.WorkspaceId, messageId, ct);
            if (seq is null)
                return new Page<DeliveryAttemptDto>([], null);
            var s = seq.Value;
            query = query.Where(a => a.FirstSeq <= s && a.LastSeq >= s);
        }
        var result = await query.PageAsync(a => a.Id, AttemptCursor, page, a => a, ct);
        // A batch's range may hold events it did not carry: keep only the attempts that carried this one.
        var items = seq is { } one ? result.Items.Where(a => SeqList.Decode(a.Seqs).Contains(one)).ToList() : result.Items;
        return new Page<DeliveryAttemptDto>(items.Select(ToDto).ToList(), result.NextCursor);
    }

    /// <summary>Requests and events per minute over the last <paramref name="minutes"/> minutes, by outcome (for the panel's chart).</summary>
    public async Task<IReadOnlyList<DeliveryMinuteDto>> ActivityAsync(Actor actor, Guid id, int minutes, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        if (minutes is < 1 or > 1440)
            throw new ValidationException("minutes", "minutes is 1 to 1440.");
        await FindAsync(actor, id, ct);
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var first = now / 60_000 - minutes + 1;
        var since = first * 60_000;
        var rows = await _db.Database.SqlQuery<ActivityRow>(
            $"""SELECT "At" / 60000 AS "Minute", "Outcome", COUNT(*) AS "Requests", SUM("Events") AS "Events" FROM delivery_attempts WHERE "DestinationId" = {id} AND "At" >= {since} AND "Kind" <> 'Test' GROUP BY "At" / 60000, "Outcome" """)
            .ToListAsync(ct);
        return Enumerable.Range(0, minutes).Select(i =>
        {
            var m = first + i;
            long Requests(DeliveryOutcome o) => rows.Where(r => r.Minute == m && r.Outcome == o.ToString()).Sum(r => r.Requests);
            var delivered = rows.Where(r => r.Minute == m && r.Outcome == nameof(DeliveryOutcome.Delivered)).Sum(r => r.Events);
            return new DeliveryMinuteDto(DateTimeOffset.FromUnixTimeMilliseconds(m * 60_000), delivered, Requests(DeliveryOutcome.Delivered), Requests(DeliveryOutcome.Failed), Requests(DeliveryOutcome.Rejected));
        }).ToList();
    }

    private sealed class ActivityRow
    {
        public long Minute { get; set; }
        public string Outcome { get; set; } = "";
        public long Requests { get; set; }
        public long Events { get; set; }
    }

    /// <summary>What each destination of the workspace was told about data-subject erasures, newest first.</summary>
    public async Task<Page<DestinationErasureDto>> ErasuresAsync(Actor actor, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        return await _db.Erasures.AsNoTracking().Where(e => e.WorkspaceId == actor.WorkspaceId)
            .PageAsync(e => e.Id, "destination-erasures", page, e => new DestinationErasureDto(e.Id, e.At, e.DestinationId, e.DestinationName, e.Type, e.Outcome, e.Status, e.Ids, e.Message), ct);
    }

    /// <summary>Events the destination could not take, newest first, with the reason; of a <paramref name="state"/> (dead, queued, redelivered) and event name when given.</summary>
    public async Task<Page<DeadLetterDto>> DeadLettersAsync(Actor actor, Guid id, string? state, string? eventName, PageRequest page, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        await FindAsync(actor, id, ct);
        var query = _db.DeadLetters.AsNoTracking().Where(d => d.DestinationId == id);
        if (state is not null)
            query = query.Where(d => d.State == ParseState(state));
        if (eventName is not null)
            query = query.Where(d => d.Event == eventName);
        return await query.PageAsync(d => d.Id, DeadCursor, page, ToDto, ct);
    }

    /// <summary>Queues dead letters to be sent again: the listed ones, or all dead ones (of an event name, received in a range, when given).</summary>
    public async Task<RedriveResult> RedriveAsync(Actor actor, Guid id, RedriveRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        var ids = request.Ids ?? [];
        if (ids.Count == 0 && request.All != true)
            throw new ValidationException("ids", "Name the dead letters to send again (ids), or send all: true (optionally with event, from and to).");
        if (ids.Count > 0 && request.All == true)
            throw new ValidationException("ids", "Send either ids or all: true, not both.");
        if (ids.Count > 1000)
            throw new ValidationException("ids", "At most 1,000 ids at once; use all: true with filters for more.");
        if (request.From is { } f && request.To is { } t && f >= t)
            throw new ValidationException("to", "to must be after from.");
        var queued = await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            var destination = await FindAsync(actor, id, c);
            var query = _db.DeadLetters.Where(d => d.DestinationId == id && d.State == DeadLetterState.Dead);
            if (ids.Count > 0)
            {
                var wanted = ids.Distinct().ToList();
                var found = await query.Where(d => wanted.Contains(d.Id)).Select(d => d.Id).ToListAsync(c);
                var missing = wanted.Except(found).ToList();
                if (missing.Count > 0)
                    throw new ValidationException("ids", $"Not dead letters of this destination waiting to be sent again: {string.Join(", ", missing.Take(5))}{(missing.Count > 5 ? " …" : "")}.");
                query = query.Where(d => wanted.Contains(d.Id));
            }
            if (request.Event is { } e)
                query = query.Where(d => d.Event == e);
            if (request.From is { } from)
                query = query.Where(d => d.DeadAt >= from);
            if (request.To is { } to)
                query = query.Where(d => d.DeadAt < to);
            var n = await query.ExecuteUpdateAsync(s => s.SetProperty(d => d.State, DeadLetterState.Queued), c);
            return (n, (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.dead_letters_redriven", "destination", id.ToString(), null,
                AuditSummary.Of(new { queued = n, ids = ids.Count, request.Event, request.From, request.To }))]);
        }, ct);
        _engine?.Signal(id);
        return new RedriveResult(queued);
    }

    /// <summary>Queues a replay of the events received in [from, to) into the destination.</summary>
    public async Task<LogReplayDto> ReplayAsync(Actor actor, Guid id, ReplayRequest request, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        var now = _time.GetUtcNow();
        if (request.From is null)
            errors["from"] = ["from is required: the first instant of the range (ISO 8601)."];
        if (request.To is { } t && t > now)
            errors["to"] = ["to cannot be in the future; leave it out to replay up to now."];
        var from = request.From ?? now;
        var to = request.To ?? now;
        if (request.From is not null && from >= to)
            errors["to"] = ["to must be after from."];
        if (to - from > TimeSpan.FromDays(MaxReplayDays))
            errors["from"] = [$"A replay covers at most {MaxReplayDays} days."];
        if (errors.Count > 0)
            throw new ValidationException(errors);
        var destination = await FindAsync(actor, id, ct);
        var range = await _log.PositionsReceivedAsync(actor.WorkspaceId, from, to, ct)
            ?? throw new ValidationException("from", $"The log holds no events of this workspace received from {from:O} to {to:O}.");
        var row = new LogReplay
        {
            Id = Guid.CreateVersion7(now), DestinationId = id, WorkspaceId = actor.WorkspaceId, From = from, To = to,
            FirstSeq = range.First, LastSeq = range.Last, Position = range.First - 1, State = ReplayState.Queued, RequestedBy = actor.Name, CreatedAt = now,
        };
        await _audit.WriteAsync(_platform, _db, actor, c =>
        {
            _db.Replays.Add(row);
            return Task.FromResult((true, (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.replay_requested", "destination", destination.Id.ToString(), null,
                AuditSummary.Of(new { from, to, firstSeq = range.First, lastSeq = range.Last }))]));
        }, ct);
        _engine?.Signal(id);
        return ToDto(row);
    }

    /// <summary>The destination's latest replays (at most 50), newest first, with their progress.</summary>
    public async Task<IReadOnlyList<LogReplayDto>> ReplaysAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        await FindAsync(actor, id, ct);
        var rows = await _db.Replays.AsNoTracking().Where(r => r.DestinationId == id).OrderByDescending(r => r.Id).Take(50).ToListAsync(ct);
        return rows.Select(ToDto).ToList();
    }

    /// <summary>Stops a queued or running replay.</summary>
    public async Task<LogReplayDto> CancelReplayAsync(Actor actor, Guid id, Guid replayId, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        return await _audit.WriteAsync(_platform, _db, actor, async c =>
        {
            await FindAsync(actor, id, c);
            var row = await _db.Replays.FirstOrDefaultAsync(r => r.Id == replayId && r.DestinationId == id, c)
                ?? throw new NotFoundException($"A replay with the id '{replayId}'");
            if (row.State is ReplayState.Done or ReplayState.Cancelled)
                throw new ConflictException($"The replay is already {row.State.ToString().ToLowerInvariant()}.");
            row.State = ReplayState.Cancelled;
            row.FinishedAt = _time.GetUtcNow();
            return (ToDto(row), (IReadOnlyList<AuditRecord>)[new AuditRecord("destination.replay_cancelled", "destination", id.ToString(), null, AuditSummary.Of(new { replay = replayId }))]);
        }, ct);
    }

    /// <summary>How delivery stands: position in the log, how far behind, requests in flight, oldest pending event, circuit, last error, dead letters.</summary>
    public async Task<DestinationStatusDto> StatusAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsRead);
        var row = await FindAsync(actor, id, ct);
        var cursor = await _db.Cursors.AsNoTracking().FirstOrDefaultAsync(c => c.DestinationId == id, ct);
        var dead = await _db.DeadLetters.CountAsync(d => d.DestinationId == id && d.State != DeadLetterState.Redelivered, ct);
        var head = _log.Head;
        if (_engine?.Worker(id) is { } w)
        {
            return new DestinationStatusDto("running", null, w.Position, head, w.Behind, w.InFlight, w.OldestPendingAge.TotalSeconds, w.Circuit,
                cursor?.FailingSince, w.LastError, w.LastErrorAt, w.LastDeliveredAt, dead);
        }
        var position = cursor?.Seq ?? 0;
        var problem = _engine?.Problem(id);
        var state = !row.Enabled ? "disabled" : problem is not null ? "stopped" : "elsewhere";
        return new DestinationStatusDto(state, problem, position, head, Math.Max(0, head - position), 0, 0, null, cursor?.FailingSince, null, null, null, dead);
    }

    /// <summary>
    /// Sends one sample event (an order of 2 test items, from a test person) to the destination now,
    /// once, and says what came back; Meta destinations send it with their test event code when one is set.
    /// </summary>
    public async Task<TestEventResult> TestAsync(Actor actor, Guid id, CancellationToken ct)
    {
        actor.Demand(Permission.DestinationsManage);
        var row = await FindAsync(actor, id, ct);
        var now = _time.GetUtcNow();
        var (settings, signing, problem) = DestinationService.Load(row, _protection.CreateProtector(DestinationService.SecretsPurpose), _clients.Targets.AllowPrivate);
        var messageId = "pulse-test-" + Guid.CreateVersion7(now).ToString("N");
        if (settings is null || Connector.For(settings.Type) is not { } connector)
            throw new ConflictException(problem ?? $"Pulse has no {row.Type} connector yet.");
        var name = EventMapping.Resolve(settings.Type, "Order Completed", settings.Mappings) is not null ? "Order Completed" : settings.Mappings.FirstOrDefault()?.Event ?? "Order Completed";
        var target = EventMapping.Resolve(settings.Type, name, settings.Mappings) ?? name;
        var e = TestEvent(row, messageId, name, now);
        using var doc = JsonDocument.Parse(e.Raw);
        var outgoing = new OutgoingEvent(e, target, doc.RootElement, PersonFields.From(e, doc.RootElement, new Dictionary<string, JsonElement>(), settings.Pii.ToHashSet()));
        if (connector.Problem(settings, outgoing, now) is { } invalid)
            return new TestEventResult("invalid", null, 0, "The test event cannot be sent: " + invalid, messageId);
        var started = _time.GetTimestamp();
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(_options.Value.RequestTimeout);
        Answer answer;
        try
        {
            answer = await Sender.SendAsync(_clients.Client, connector, settings, [outgoing], now, signing(now), timeout.Token, test: true);
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            answer = new Answer(new Verdict(DeliveryOutcome.Failed, $"No answer within {_options.Value.RequestTimeout.TotalSeconds:0.#} s."), null, null, null);
        }
        var latency = (int)_time.GetElapsedTime(started).TotalMilliseconds;
        var response = Answer.Text(answer.Verdict, answer.Body);
        _db.Attempts.Add(new DeliveryAttempt
        {
            Id = Guid.CreateVersion7(now), DestinationId = id, WorkspaceId = actor.WorkspaceId, At = now, Kind = DeliveryKind.Test, Attempt = 1, Events = 1,
            FirstSeq = 0, LastSeq = 0, Seqs = [], Outcome = answer.Verdict.Outcome, Status = answer.Status, LatencyMs = latency,
            Response = response,
        });
        await _db.SaveChangesAsync(ct);
        return new TestEventResult(answer.Verdict.Outcome.ToString().ToLowerInvariant(), answer.Status, latency,
            response, messageId);
    }

    private static LoggedEvent TestEvent(Destination row, string messageId, string name, DateTimeOffset now)
    {
        var ts = now.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", System.Globalization.CultureInfo.InvariantCulture);
        var raw = JsonSerializer.Serialize(new Dictionary<string, object?>
        {
            ["type"] = "track",
            ["event"] = name,
            ["messageId"] = messageId,
            ["userId"] = "pulse-test-user",
            ["anonymousId"] = "pulse-test-device",
            ["timestamp"] = ts,
            ["properties"] = new Dictionary<string, object?>
            {
                ["order_id"] = "pulse-test-order",
                ["revenue"] = 49.98,
                ["currency"] = "EUR",
                ["products"] = new[] { new Dictionary<string, object?> { ["product_id"] = "pulse-test-sku", ["quantity"] = 2, ["price"] = 24.99 } },
            },
            ["context"] = new Dictionary<string, object?>
            {
                ["ip"] = "203.0.113.10",
                ["userAgent"] = "Mozilla/5.0 (X11; Linux x86_64) Pulse test event",
                ["page"] = new Dictionary<string, object?> { ["url"] = "https://example.com/checkout/thank-you" },
                ["traits"] = new Dictionary<string, object?> { ["email"] = "test@example.com" },
            },
        });
        return new LoggedEvent(0, row.WorkspaceId, Guid.Empty, messageId, "track", name, "pulse-test-user", "pulse-test-device", null, null, now, now, now, now,
            new EventEnrichment { Ip = "203.0.113.10" }, null, null, null, raw);
    }

    private async Task<Destination> FindAsync(Actor actor, Guid id, CancellationToken ct) =>
        await _db.Destinations.AsNoTracking().FirstOrDefaultAsync(d => d.Id == id && d.WorkspaceId == actor.WorkspaceId, ct)
            ?? throw new NotFoundException($"A destination with the id '{id}'");

    private static DeadLetterState ParseState(string state) =>
        Enum.TryParse<DeadLetterState>(state, ignoreCase: true, out var s) && !int.TryParse(state, out _)
            ? s : throw new ValidationException("state", "state is dead, queued or redelivered.");

    private static DeliveryAttemptDto ToDto(DeliveryAttempt a) => new(a.Id, a.At, Lower(a.Kind), a.Attempt, a.Events, a.FirstSeq, a.LastSeq, Lower(a.Outcome), a.Status, a.LatencyMs, a.Response);

    private static DeadLetterDto ToDto(DeadLetter d) => new(d.Id, d.Seq, d.MessageId, d.Event, d.Reason, d.Status, d.Response, d.DeadAt, Lower(d.State), d.Redrives, d.RedeliveredAt);

    private static LogReplayDto ToDto(LogReplay r) => new(r.Id, r.From, r.To, r.FirstSeq, r.LastSeq, r.Position,
        r.LastSeq <= r.FirstSeq ? (r.Position >= r.LastSeq ? 1 : 0) : Math.Clamp((double)(r.Position - r.FirstSeq + 1) / (r.LastSeq - r.FirstSeq + 1), 0, 1),
        r.Sent, r.Dead, Lower(r.State), r.RequestedBy, r.CreatedAt, r.FinishedAt);

    private static string Lower<T>(T value) where T : struct, Enum => value.ToString().ToLowerInvariant();
}
