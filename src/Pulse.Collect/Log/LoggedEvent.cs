namespace Pulse.Collect.Log;

/// <summary>An event as consumers and the API read it back from the log.</summary>
/// <param name="Seq">Position in the log: increasing, never reused.</param>
/// <param name="Raw">The stored message JSON (Segment spec) with messageId and timestamps settled.</param>
public sealed record LoggedEvent(
    long Seq,
    Guid WorkspaceId,
    Guid SourceId,
    string MessageId,
    string Type,
    string? Event,
    string? UserId,
    string? AnonymousId,
    string? GroupId,
    string? PreviousId,
    DateTimeOffset Timestamp,
    DateTimeOffset? OriginalTimestamp,
    DateTimeOffset? SentAt,
    DateTimeOffset ReceivedAt,
    EventEnrichment Enrichment,
    string? Consent,
    string? Violations,
    string? PlanVersion,
    string Raw);
