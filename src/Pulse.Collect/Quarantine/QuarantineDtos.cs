using System.Text.Json;
using Pulse.Collect.Plans;

namespace Pulse.Collect.Quarantine;

/// <summary>A quarantined message as the API shows it: why it is held, and the message itself.</summary>
public sealed record QuarantineDto(
    Guid Id,
    Guid SourceId,
    string Kind,
    string Status,
    string? MessageId,
    string? Type,
    string? Event,
    string? UserId,
    string? AnonymousId,
    DateTimeOffset ReceivedAt,
    string? PlanVersion,
    IReadOnlyList<PlanViolation> Reason,
    JsonElement Message,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ReplayedAt);

/// <summary>
/// Body of <c>POST /api/v1/quarantine/replay</c>: one message by <c>id</c>, or the pending messages of a
/// <c>source</c> (optionally only one <c>event</c> or <c>kind</c>).
/// </summary>
public sealed record ReplayRequest(Guid? Id = null, string? Source = null, string? Event = null, string? Kind = null);

/// <summary>What a replay did: how many went into the log (of them, how many the log already held) and how many still fail.</summary>
public sealed record ReplayResult(int Replayed, int Duplicates, int StillFailing);
