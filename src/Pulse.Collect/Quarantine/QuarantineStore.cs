using System.Buffers;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Pulse.Collect.Ingest;
using Pulse.Collect.Log;
using Pulse.Collect.Plans;
using Pulse.Collect.Storage;

namespace Pulse.Collect.Quarantine;

/// <summary>Writes what ingest keeps out of the log (blocked and invalid messages) into quarantine, one insert batch per request.</summary>
internal sealed class QuarantineStore(IServiceScopeFactory scopes, CollectMetrics metrics)
{
    /// <summary>Stores the rows durably; rows whose message id the source already has in quarantine (a retried request) are skipped.</summary>
    public async Task WriteAsync(List<QuarantinedEvent> rows, CancellationToken ct)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<CollectDbContext>();
        foreach (var bySource in rows.Where(r => r.MessageId is not null).GroupBy(r => r.SourceId).ToList())
        {
            var ids = bySource.Select(r => r.MessageId!).Distinct().ToList();
            var kept = await db.Quarantine.AsNoTracking().Where(q => q.SourceId == bySource.Key && ids.Contains(q.MessageId!))
                .Select(q => q.MessageId!).ToListAsync(ct);
            if (kept.Count > 0)
            {
                var set = kept.ToHashSet(StringComparer.Ordinal);
                rows.RemoveAll(r => r.SourceId == bySource.Key && r.MessageId is not null && set.Contains(r.MessageId));
            }
        }
        if (rows.Count == 0)
            return;
        db.Quarantine.AddRange(rows);
        await db.SaveChangesAsync(ct);
        foreach (var r in rows)
            metrics.Quarantined(r.Kind);
    }

    /// <summary>A row for an event the plan blocked: everything the log would have stored, to replay it unchanged.</summary>
    public static QuarantinedEvent Blocked(LogRecord r, IReadOnlyList<PlanViolation> violations, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(now),
        WorkspaceId = r.WorkspaceId,
        SourceId = r.SourceId,
        Kind = QuarantineKinds.Blocked,
        MessageId = r.MessageId,
        Type = r.Type,
        Event = r.Event,
        UserId = r.UserId,
        AnonymousId = r.AnonymousId,
        GroupId = r.GroupId,
        PreviousId = r.PreviousId,
        Timestamp = Utc(r.Timestamp),
        OriginalTimestamp = r.OriginalTimestamp is { } o ? Utc(o) : null,
        SentAt = r.SentAt is { } s ? Utc(s) : null,
        ReceivedAt = Utc(r.ReceivedAt),
        Enrichment = JsonSerializer.Serialize(r.Enrichment, CollectJsonContext.Default.EventEnrichment),
        Consent = r.Consent,
        Raw = System.Text.Encoding.UTF8.GetString(r.Raw),
        Reason = PlanValidator.Serialize(violations),
        PlanVersion = r.PlanVersion,
        Status = QuarantineStatus.Pending,
        UpdatedAt = now,
    };

    /// <summary>
    /// A row for a message the checks refused: the message as sent, with what the request added to it
    /// (the path's type, a batch's sentAt and context) and a message id if it had none, so a replay
    /// builds it as ingest would have.
    /// </summary>
    /// <summary>
    /// <see cref="Invalid"/>, or null for a message whose text cannot be decoded at all (a lone
    /// UTF-16 surrogate escape): it cannot be kept as text, so it is only refused to the sender.
    /// </summary>
    public static QuarantinedEvent? TryInvalid(IngestSource source, JsonElement message, in RequestFacts facts, string reason, DateTimeOffset now)
    {
        try
        {
            return Invalid(source, message, facts, reason, now);
        }
        catch (InvalidOperationException)
        {
            return null;
        }
    }

    public static QuarantinedEvent Invalid(IngestSource source, JsonElement message, in RequestFacts facts, string reason, DateTimeOffset now)
    {
        var id = Guid.CreateVersion7(now);
        var type = Str(message, "type") is { } t && CallTypes.Normalise(t) is not null ? t : facts.PathType;
        var messageId = Str(message, "messageId");
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            foreach (var p in message.EnumerateObject())
            {
                if (!p.NameEquals("writeKey"u8))
                    p.WriteTo(w);
            }
            if (!message.TryGetProperty("type", out _) && facts.PathType is not null)
                w.WriteString("type"u8, facts.PathType);
            if (!message.TryGetProperty("messageId", out _))
            {
                messageId = id.ToString();
                w.WriteString("messageId"u8, messageId);
            }
            if (!message.TryGetProperty("sentAt", out _) && facts.BatchSentAt is { } sent)
                w.WriteString("sentAt"u8, sent);
            if (!message.TryGetProperty("context", out _) && facts.BatchContext is { } ctx)
            {
                w.WritePropertyName("context"u8);
                ctx.WriteTo(w);
            }
            w.WriteEndObject();
        }
        return new QuarantinedEvent
        {
            Id = id,
            WorkspaceId = source.WorkspaceId,
            SourceId = source.Id,
            Kind = QuarantineKinds.Invalid,
            MessageId = Cap(messageId),
            Type = type,
            Event = Cap(Str(message, "event") ?? Str(message, "name")),
            UserId = Cap(Str(message, "userId")),
            AnonymousId = Cap(Str(message, "anonymousId")),
            GroupId = Cap(Str(message, "groupId")),
            PreviousId = Cap(Str(message, "previousId")),
            ReceivedAt = facts.ReceivedAt,
            Raw = System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan),
            Reason = InvalidReason(reason),
            Status = QuarantineStatus.Pending,
            UpdatedAt = now,
        };
    }

    public static string InvalidReason(string reason) => PlanValidator.Serialize([new PlanViolation(ViolationTypes.Invalid, "$", reason)]);

    private static DateTimeOffset Utc(DateTime t) => new(DateTime.SpecifyKind(t, DateTimeKind.Utc));

    private static string? Str(JsonElement o, string name) =>
        o.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static string? Cap(string? s) => s is { Length: > Ids.MaxLength } ? s[..Ids.MaxLength] : s;
}
