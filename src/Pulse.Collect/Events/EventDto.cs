using System.Text.Json;
using Pulse.Collect.Log;

namespace Pulse.Collect.Events;

/// <summary>A stored event as the management API shows it: the columns Pulse derived, and the message as stored.</summary>
public sealed record EventDto(
    long Seq,
    Guid SourceId,
    string MessageId,
    string Type,
    string? Event,
    string? UserId,
    string? AnonymousId,
    string? GroupId,
    string? PreviousId,
    DateTimeOffset Timestamp,
    DateTimeOffset ReceivedAt,
    EventEnrichment Enrichment,
    JsonElement? Consent,
    JsonElement? Violations,
    string? PlanVersion,
    JsonElement Message)
{
    public static EventDto From(LoggedEvent e) => new(
        e.Seq, e.SourceId, e.MessageId, e.Type, e.Event, e.UserId, e.AnonymousId, e.GroupId, e.PreviousId, e.Timestamp, e.ReceivedAt,
        e.Enrichment, Json(e.Consent), Json(e.Violations), e.PlanVersion, JsonDocument.Parse(e.Raw).RootElement.Clone());

    private static JsonElement? Json(string? text) => text is null ? null : JsonDocument.Parse(text).RootElement.Clone();
}
