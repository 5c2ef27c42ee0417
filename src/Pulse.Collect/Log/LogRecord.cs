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
    /// <summary>The message as stored (UTF-8 JSON): the sender's JSON with messageId and timestamps settled, write key removed.</summary>
    public required byte[] Raw;

    /// <summary>Set by the writer when the message id was already stored for this source.</summary>
    public bool Duplicate;

    /// <summary>What the writer stores, and the record's deduplication hash; set by <see cref="Prepare"/> on the request's thread, not the writer's.</summary>
    public byte[]? Packed;

    public (ulong H1, ulong H2) DedupHash;

    /// <summary>Cluster mode: the record as a binary COPY tuple without its sequence number (<see cref="CopyTuple"/>), built on the request's thread.</summary>
    public byte[]? CopyRow;

    /// <summary>Does the per-record work the single writer thread should not: packing and hashing.</summary>
    public void Prepare()
    {
        Packed = Pack();
        DedupHash = DedupFilter.Hash(SourceId, MessageId);
    }
}
