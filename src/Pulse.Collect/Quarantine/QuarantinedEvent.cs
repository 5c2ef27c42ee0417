namespace Pulse.Collect.Quarantine;

/// <summary>
/// An accepted message kept out of the event log: blocked by its source's plan, or refused by the
/// message checks after the body parsed. It waits here, with the reason, until it is replayed or deleted.
/// </summary>
internal sealed class QuarantinedEvent
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid SourceId { get; set; }

    /// <summary><c>blocked</c> (plan violations) or <c>invalid</c> (refused by the message checks).</summary>
    public required string Kind { get; set; }

    public string? MessageId { get; set; }
    public string? Type { get; set; }
    public string? Event { get; set; }
    public string? UserId { get; set; }
    public string? AnonymousId { get; set; }
    public string? GroupId { get; set; }
    public string? PreviousId { get; set; }
    public DateTimeOffset? Timestamp { get; set; }
    public DateTimeOffset? OriginalTimestamp { get; set; }
    public DateTimeOffset? SentAt { get; set; }
    public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>Blocked events: the enrichment computed at ingest (JSON), reused on replay. Null for invalid messages.</summary>
    public string? Enrichment { get; set; }
    public string? Consent { get; set; }

    /// <summary>Blocked: the message as it would have been stored. Invalid: the message as sent (write key removed).</summary>
    public required string Raw { get; set; }

    /// <summary>The violations (JSON array of <see cref="Plans.PlanViolation"/>) that keep it here.</summary>
    public required string Reason { get; set; }
    public string? PlanVersion { get; set; }

    /// <summary><c>pending</c> or <c>replayed</c>.</summary>
    public required string Status { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ReplayedAt { get; set; }
}

internal static class QuarantineKinds
{
    public const string Blocked = "blocked";
    public const string Invalid = "invalid";
}

internal static class QuarantineStatus
{
    public const string Pending = "pending";
    public const string Replayed = "replayed";
}
