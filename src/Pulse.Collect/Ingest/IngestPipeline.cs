using System.Net;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Pulse.Collect.Enrichment;
using Pulse.Collect.Events;
using Pulse.Collect.Log;
using Pulse.Collect.Plans;
using Pulse.Collect.Quarantine;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Ingest;

/// <summary>Where a request came from, as the HTTP layer saw it.</summary>
internal readonly record struct IngestCaller(string? BasicWriteKey, string? Origin, IPAddress? Ip, string? BrowserUserAgent);

/// <summary>
/// The ingest path after the body is read: parse, find the sources of the write keys, check origin,
/// size and rate, build the records, and append them to the log. Shared by the Segment endpoints
/// and the pixel.
/// </summary>
internal sealed class IngestPipeline(SourceDirectory sources, SourceRateLimits limits, Enricher enricher, EventLog log, QuarantineStore quarantine, CollectMetrics metrics, TimeProvider time, LiveTail live, Profiles.Live.LiveProfiles visitors)
{
    public const int MaxJsonDepth = 64;
    public const int MaxBatchMessages = 10_000;

    public async Task<IngestOutcome> ProcessAsync(ReadOnlyMemory<byte> body, string? pathType, IngestCaller caller, CancellationToken ct)
    {
        if (IngestRequest.Parse(body, pathType, caller.BasicWriteKey, out var request) is { } refused)
            return refused;
        using (request)
        {
            var receivedAt = time.GetUtcNow();
            var rootKey = request!.RootKey;
            var messages = request.Messages;
            var batchSentAt = request.BatchSentAt;
            var batchContext = request.BatchContext;

            // Sources of the keys named; the request's own key decides its size limit.
            var found = new Dictionary<string, IngestSource?>(StringComparer.Ordinal);
            foreach (var (_, key) in messages)
            {
                if (key is not null && !found.ContainsKey(key))
                    found[key] = await sources.FindAsync(key, ct);
            }
            var usable = found.Values.Where(s => s is { Enabled: true }).Cast<IngestSource>().ToList();
            if (usable.Count == 0)
            {
                metrics.Request("unauthorized");
                return new IngestOutcome(IngestStatus.Unauthorized, found.Count == 0
                    ? "No write key: send it as the Basic-auth user name or as \"writeKey\" in the body."
                    : found.Values.Any(s => s is { Enabled: false }) ? "The write key's source is disabled." : "Unknown write key.");
            }
            if (caller.Origin is { } origin)
            {
                foreach (var s in usable)
                {
                    if (!Origins.Allows(s.AllowedOrigins, origin))
                    {
                        metrics.Request("forbidden");
                        return Refused(s, receivedAt, messages.Count, new IngestOutcome(IngestStatus.Forbidden, s.AllowedOrigins.Count == 0
                            ? $"The source '{s.Name}' accepts no browser traffic; add {origin} to its allowed origins."
                            : $"The origin {origin} is not among the allowed origins of the source '{s.Name}'."));
                    }
                }
            }
            var primaryKey = rootKey ?? caller.BasicWriteKey;
            var primary = primaryKey is not null && found.TryGetValue(primaryKey, out var p) && p is { Enabled: true } ? p : usable[0];
            if (body.Length > primary.MaxBatchBytes)
            {
                metrics.Request("too_large");
                return Refused(primary, receivedAt, messages.Count,
                    new IngestOutcome(IngestStatus.TooLarge, $"The body is {body.Length} bytes; the source '{primary.Name}' accepts at most {primary.MaxBatchBytes} per request."));
            }

            metrics.Received(messages.Count);
            var facts = new RequestFacts(pathType, receivedAt, batchSentAt, batchContext, caller.Ip, caller.BrowserUserAgent);
            var builder = new MessageBuilder(enricher);
            var records = new List<LogRecord>(messages.Count);
            List<Rejection>? rejected = null;
            // Messages kept out of the log but stored: blocked by a plan, or refused by the checks.
            List<QuarantinedEvent>? held = null;
            var blocked = 0;
            // For the live debugger: what happened to the messages of watched workspaces, shown once the request's fate is settled.
            List<(Guid Workspace, Func<LiveEntry> Make)>? shown = null;
            for (var i = 0; i < messages.Count; i++)
            {
                var (message, key) = messages[i];
                string? reason;
                if (key is null)
                    reason = "no write key for this message";
                else if (found[key] is not { Enabled: true } source)
                    reason = found[key] is null ? "unknown write key" : "the write key's source is disabled";
                else if (builder.Build(message, facts, source, out reason) is { } record)
                {
                    if (source.Plan is { } plan && PlanValidator.Apply(plan, record, message) is { } violations)
                    {
                        foreach (var v in violations)
                            metrics.Violation(v.Type, plan.Mode.ToString().ToLowerInvariant());
                        if (plan.Mode == PlanMode.Block)
                        {
                            var row = QuarantineStore.Blocked(record, violations, receivedAt);
                            (held ??= []).Add(row);
                            blocked++;
                            if (live.Watching(source.WorkspaceId))
                                (shown ??= []).Add((source.WorkspaceId, () => Entry(row, record.Raw)));
                            continue;
                        }
                    }
                    records.Add(record);
                    continue;
                }
                else if (message.ValueKind == JsonValueKind.Object && QuarantineStore.TryInvalid(source, message, facts, reason!, receivedAt) is { } row)
                {
                    (held ??= []).Add(row);
                }
                (rejected ??= []).Add(new Rejection(i, reason!));
                metrics.Rejected(ReasonTag(reason!));
                if (key is not null && found[key] is { } from && live.Watching(from.WorkspaceId))
                {
                    var text = message.GetRawText();
                    var why = reason!;
                    (shown ??= []).Add((from.WorkspaceId, () => Entry(from, receivedAt, message: text, why)));
                }
            }
            if (records.Count == 0 && held is null)
                return Show(shown, NothingAccepted(pathType, rejected));

            // What is kept in quarantine counts against the source's rate like what goes into the log.
            var counted = held is null ? records.Select(r => r.SourceId) : records.Select(r => r.SourceId).Concat(held.Select(q => q.SourceId));
            foreach (var group in counted.GroupBy(id => id))
            {
                var source = usable.First(s => s.Id == group.Key);
                var decision = limits.TryTake(source, group.Count());
                if (!decision.Allowed)
                {
                    metrics.Request("rate_limited");
                    return Refused(source, receivedAt, messages.Count, new IngestOutcome(IngestStatus.RateLimited, decision.NeverFits
                        ? $"The request holds more events than the source '{source.Name}' may send in two seconds ({decision.Limit}/s); split it."
                        : $"The source '{source.Name}' may send {decision.Limit} events per second; retry in {decision.RetryAfterSeconds} s.",
                        Limit: decision));
                }
            }

            if (records.Count == 0 && blocked == 0)
            {
                if (!await HoldAsync(held!))
                    return Unavailable();
                return Show(shown, NothingAccepted(pathType, rejected));
            }

            // Packing and hashing are done here, on the request's thread, so the one writer thread
            // only checks the filter and copies bytes.
            foreach (var r in records)
                log.Prepare(r);
            var duplicates = 0;
            try
            {
                if (records.Count > 0)
                    duplicates = await log.AppendAsync(records, ct);
            }
            catch (LogUnavailableException e)
            {
                metrics.Request("unavailable");
                return Refused(primary, receivedAt, messages.Count, new IngestOutcome(IngestStatus.Unavailable, e.Message));
            }
            // Quarantine rows are written before the answer: a blocked event counts as accepted.
            if (held is not null && !await HoldAsync(held))
                return Unavailable();
            metrics.Request("stored");
            ShowStored(records);
            visitors.Record(records);
            return Show(shown, new IngestOutcome(IngestStatus.Stored, null, records.Count + blocked, duplicates, rejected, Quarantined: blocked));
        }
    }

    /// <summary>Offers the debugger entries gathered for a request whose outcome is settled.</summary>
    private IngestOutcome Show(List<(Guid Workspace, Func<LiveEntry> Make)>? shown, IngestOutcome outcome)
    {
        if (shown is not null)
        {
            foreach (var (workspace, make) in shown)
                live.Offer(workspace, make);
        }
        return outcome;
    }

    private void ShowStored(List<LogRecord> records)
    {
        Guid last = default;
        var watching = false;
        foreach (var r in records)
        {
            if (r.WorkspaceId != last)
            {
                last = r.WorkspaceId;
                watching = live.Watching(last);
            }
            if (watching)
                live.Offer(r.WorkspaceId, () => Entry(r));
        }
    }

    /// <summary>A whole request refused: one debugger entry on the source, naming the reason.</summary>
    private IngestOutcome Refused(IngestSource source, DateTimeOffset receivedAt, int messages, IngestOutcome outcome)
    {
        if (live.Watching(source.WorkspaceId))
        {
            var reason = $"{outcome.Detail} ({messages} message{(messages == 1 ? "" : "s")} refused)";
            live.Offer(source.WorkspaceId, () => new LiveEntry(receivedAt, live.Node, source.Id, LiveStatus.Refused, null, null, null, null, null, null, reason, null));
        }
        return outcome;
    }

    private LiveEntry Entry(LogRecord r)
    {
        var (message, note) = LiveTail.Body(r.Raw);
        return new LiveEntry(new DateTimeOffset(r.ReceivedAt, TimeSpan.Zero), live.Node, r.SourceId, r.Duplicate ? LiveStatus.Duplicate : LiveStatus.Stored,
            r.Duplicate ? null : r.Seq, r.MessageId, r.Type, r.Event, r.UserId, r.AnonymousId, note, message);
    }

    private LiveEntry Entry(QuarantinedEvent row, byte[] raw)
    {
        var (message, note) = LiveTail.Body(raw);
        return new LiveEntry(row.ReceivedAt, live.Node, row.SourceId, LiveStatus.Blocked, null, row.MessageId, row.Type, row.Event, row.UserId, row.AnonymousId,
            note is null ? row.Reason : row.Reason + "; " + note, message);
    }

    private LiveEntry Entry(IngestSource source, DateTimeOffset receivedAt, string message, string reason)
    {
        var (body, note) = LiveTail.Body(System.Text.Encoding.UTF8.GetBytes(message));
        string? Field(string name) => body is { ValueKind: JsonValueKind.Object } o && o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;
        return new LiveEntry(receivedAt, live.Node, source.Id, LiveStatus.Rejected, null, Field("messageId"), Field("type"), Field("event"), Field("userId"), Field("anonymousId"),
            note is null ? reason : reason + "; " + note, body);
    }

    private IngestOutcome NothingAccepted(string? pathType, List<Rejection>? rejected)
    {
        metrics.Request("bad_request");
        return new IngestOutcome(IngestStatus.BadRequest,
            pathType is null ? "No message of the batch could be accepted." : "The message could not be accepted: " + rejected![0].Reason + ".",
            Rejected: rejected);
    }

    // Like the log append, not cancelled when the client leaves: the request is kept or failed as a whole.
    private async Task<bool> HoldAsync(List<QuarantinedEvent> rows)
    {
        try
        {
            await quarantine.WriteAsync(rows, CancellationToken.None);
            return true;
        }
        catch (Exception e) when (e is DbUpdateException or System.Data.Common.DbException)
        {
            return false;
        }
    }

    private IngestOutcome Unavailable()
    {
        metrics.Request("unavailable");
        return new IngestOutcome(IngestStatus.Unavailable, "The quarantine could not be written; retry shortly.");
    }

    private static string ReasonTag(string reason) =>
        reason.Contains("timestamp", StringComparison.Ordinal) || reason.Contains("sentAt", StringComparison.Ordinal) ? "timestamp"
        : reason.Contains("bytes", StringComparison.Ordinal) ? "too_large"
        : reason.Contains("write key", StringComparison.Ordinal) ? "write_key"
        : reason.Contains("Id", StringComparison.Ordinal) || reason.Contains("placeholder", StringComparison.Ordinal) ? "identity"
        : "invalid";
}
