namespace Pulse.Collect.Log;

/// <summary>One accepted event on its way into the log (the sequence number is given at commit).</summary>
internal sealed partial class LogRecord
{
    public long Seq;
    public Guid WorkspaceId;
    public Guid SourceId;
    public required string MessageId;
    public required string Type;
    public string? Event;
    public string? UserId;
    public string? AnonymousId;
    public string? GroupId;
    public string? PreviousId;
    public DateTime Timestamp;
    public DateTime? OriginalTimestamp;
    public DateTime? SentAt;
    public DateTime ReceivedAt;
    public required EventEnrichment Enrichment;
    /// <summary>The message's <c>context.consent.categoryPreferences</c> as JSON, when it carried them.</summary>
    public string? Consent;
    /// <summary>Tracking-plan violations as a JSON array, when any.</summary>
    public string? Violations;
    public string? PlanVersion;
    /// <summary>The message as stored: the sender's JSON with messageId and timestamps settled, write key removed.</summary>
    public required string Raw;

    /// <summary>Set by the writer when the message id was already stored for this source.</summary>
    public bool Duplicate;

    /// <summary>What the writer stores; made by <see cref="Pack"/> on the request's thread, not the writer's.</summary>
    public byte[]? Packed;
}
