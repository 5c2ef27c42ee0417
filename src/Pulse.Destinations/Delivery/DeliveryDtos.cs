namespace Pulse.Destinations.Delivery;

/// <summary>One request to a destination as the delivery log shows it.</summary>
/// <param name="Kind">live, replay, redrive or test.</param>
/// <param name="Outcome">delivered, failed (retried) or rejected (its events dead-lettered).</param>
/// <param name="Status">The HTTP status; null when no answer came.</param>
/// <param name="FirstSeq">Log positions of the first and last event it carried.</param>
public sealed record DeliveryAttemptDto(
    Guid Id, DateTimeOffset At, string Kind, int Attempt, int Events, long FirstSeq, long LastSeq, string Outcome, int? Status, int LatencyMs, string? Response);

/// <summary>An event a destination could not take.</summary>
/// <param name="State">dead, queued (to be sent again) or redelivered.</param>
public sealed record DeadLetterDto(
    Guid Id, long Seq, string MessageId, string? Event, string Reason, int? Status, string? Response, DateTimeOffset DeadAt, string State, int Redrives, DateTimeOffset? RedeliveredAt);

/// <summary>Which dead letters to send again: the listed ids, or every dead one (optionally only of one event name, or received in a time range).</summary>
public sealed record RedriveRequest(IReadOnlyList<Guid>? Ids, bool? All, string? Event, DateTimeOffset? From, DateTimeOffset? To);

/// <param name="Queued">Dead letters now waiting to be sent again.</param>
public sealed record RedriveResult(int Queued);

/// <summary>A replay of the log's events received in [from, to) into the destination.</summary>
public sealed record ReplayRequest(DateTimeOffset? From, DateTimeOffset? To);

/// <param name="State">queued, running, done or cancelled.</param>
/// <param name="Progress">Share of the range's log positions read, 0 to 1.</param>
public sealed record LogReplayDto(
    Guid Id, DateTimeOffset From, DateTimeOffset To, long FirstSeq, long LastSeq, long Position, double Progress, long Sent, long Dead, string State,
    string RequestedBy, DateTimeOffset CreatedAt, DateTimeOffset? FinishedAt);

/// <summary>How a destination's delivery stands now.</summary>
/// <param name="State">running, disabled, elsewhere (another node of the cluster delivers it) or stopped (see <paramref name="Problem"/>).</param>
/// <param name="Position">Its cursor in the log.</param>
/// <param name="Behind">Log positions between the cursor and the head (an upper bound on its queue).</param>
/// <param name="Circuit">closed, open or halfopen; null when not running here.</param>
/// <param name="FailingSince">When the oldest batch still being retried first failed.</param>
public sealed record DestinationStatusDto(
    string State, string? Problem, long Position, long Head, long Behind, int InFlight, double OldestPendingSeconds, string? Circuit,
    DateTimeOffset? FailingSince, string? LastError, DateTimeOffset? LastErrorAt, DateTimeOffset? LastDeliveredAt, int DeadLetters);

/// <summary>What the "send test event" action got back.</summary>
/// <param name="Outcome">delivered, failed or rejected; "invalid" when the test event itself could not be sent (the reason in <paramref name="Response"/>).</param>
public sealed record TestEventResult(string Outcome, int? Status, int LatencyMs, string? Response, string MessageId);

/// <summary>One minute of a destination's deliveries: events delivered, and requests by outcome.</summary>
public sealed record DeliveryMinuteDto(DateTimeOffset Minute, long EventsDelivered, long Delivered, long Failed, long Rejected);

/// <summary>What one destination was told about an erasure.</summary>
/// <param name="Outcome">sent (the receiver acknowledged), failed, or unsupported (see <paramref name="Message"/>).</param>
/// <param name="Ids">How many ids of the person were in the request (the ids themselves are not kept).</param>
public sealed record DestinationErasureDto(Guid Id, DateTimeOffset At, Guid DestinationId, string Destination, string Type, string Outcome, int? Status, int Ids, string Message);
