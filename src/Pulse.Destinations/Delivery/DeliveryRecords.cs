namespace Pulse.Destinations.Delivery;

/// <summary>
/// How far a destination has read the event log: every event up to <see cref="Seq"/> is
/// delivered, dead-lettered or not for this destination. The log after it is the destination's queue.
/// </summary>
internal sealed class DestinationCursor
{
    public Guid DestinationId { get; set; }
    public long Seq { get; set; }
    /// <summary>When the oldest batch still failing first failed; retries stop (and the batch is dead-lettered) once it is older than <c>Destinations:RetryFor</c>, across restarts.</summary>
    public DateTimeOffset? FailingSince { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>Why a batch was sent.</summary>
internal enum DeliveryKind
{
    /// <summary>Events as they arrive.</summary>
    Live,
    /// <summary>A replay of the log for a time range.</summary>
    Replay,
    /// <summary>Dead letters sent again.</summary>
    Redrive,
    /// <summary>The "send test event" action.</summary>
    Test,
}

/// <summary>What became of one request to a destination.</summary>
internal enum DeliveryOutcome
{
    Delivered,
    /// <summary>Failed in a way that may pass later (5xx, 429, time-out, network); retried.</summary>
    Failed,
    /// <summary>Refused in a way that cannot pass (4xx that is no rate limit); its events are dead-lettered.</summary>
    Rejected,
}

/// <summary>One request to a destination: the events it carried, the answer and how long it took.</summary>
internal sealed class DeliveryAttempt
{
    public Guid Id { get; set; }
    public Guid DestinationId { get; set; }
    public Guid WorkspaceId { get; set; }
    public DateTimeOffset At { get; set; }
    public DeliveryKind Kind { get; set; }
    /// <summary>1 for the first request of a batch, then one more per retry.</summary>
    public int Attempt { get; set; }
    public int Events { get; set; }
    public long FirstSeq { get; set; }
    public long LastSeq { get; set; }
    /// <summary>The log positions of the events it carried (<see cref="SeqList"/>), so the log can be asked about one event.</summary>
    public required byte[] Seqs { get; set; }
    public DeliveryOutcome Outcome { get; set; }
    /// <summary>The HTTP status, or null when no answer came (time-out, connection refused).</summary>
    public int? Status { get; set; }
    public int LatencyMs { get; set; }
    /// <summary>The platform's answer (its first 2,000 characters) or the error.</summary>
    public string? Response { get; set; }
}

/// <summary>State of a dead letter.</summary>
internal enum DeadLetterState
{
    Dead,
    /// <summary>Asked to be sent again; the destination's worker picks it up.</summary>
    Queued,
    Redelivered,
}

/// <summary>An event a destination could not take: refused by the platform, invalid for it, or still failing after the retry period.</summary>
internal sealed class DeadLetter
{
    public Guid Id { get; set; }
    public Guid DestinationId { get; set; }
    public Guid WorkspaceId { get; set; }
    public long Seq { get; set; }
    public required string MessageId { get; set; }
    /// <summary>The person's ids, so that an erasure finds the dead letters of their events.</summary>
    public string? UserId { get; set; }
    public string? AnonymousId { get; set; }
    public string? Event { get; set; }
    public required string Reason { get; set; }
    public int? Status { get; set; }
    public string? Response { get; set; }
    public DateTimeOffset DeadAt { get; set; }
    public DeadLetterState State { get; set; }
    /// <summary>Times it was sent again.</summary>
    public int Redrives { get; set; }
    public DateTimeOffset? RedeliveredAt { get; set; }
}

/// <summary>State of a replay of the log.</summary>
internal enum ReplayState
{
    Queued,
    Running,
    Done,
    Cancelled,
}

/// <summary>A replay of a range of the log into one destination (back-filling a new destination, or sending again after a fix).</summary>
internal sealed class LogReplay
{
    public Guid Id { get; set; }
    public Guid DestinationId { get; set; }
    public Guid WorkspaceId { get; set; }
    public DateTimeOffset From { get; set; }
    public DateTimeOffset To { get; set; }
    /// <summary>Positions of the first and last event received in the range, fixed when the replay is asked for.</summary>
    public long FirstSeq { get; set; }
    public long LastSeq { get; set; }
    /// <summary>Read up to here.</summary>
    public long Position { get; set; }
    public long Sent { get; set; }
    public long Dead { get; set; }
    public ReplayState State { get; set; }
    public required string RequestedBy { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
}

/// <summary>
/// What one destination was told about an erasure: a webhook gets a signed <c>delete</c> message;
/// the ad platforms document no deletion of events sent through their conversion APIs (GA4's User
/// Deletion API needs Google OAuth credentials a GA4 destination does not hold), which is recorded
/// as such. No ids of the person are kept here, only how many were sent.
/// </summary>
internal sealed class DestinationErasure
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid DestinationId { get; set; }
    public required string DestinationName { get; set; }
    public required string Type { get; set; }
    public DateTimeOffset At { get; set; }
    /// <summary>sent, failed or unsupported.</summary>
    public required string Outcome { get; set; }
    public int? Status { get; set; }
    public int Ids { get; set; }
    public required string Message { get; set; }
}
