namespace Pulse.Collect.Ingest;

/// <summary>How an ingest request ended.</summary>
internal enum IngestStatus
{
    Stored,
    BadRequest,
    Unauthorized,
    Forbidden,
    TooLarge,
    RateLimited,
    Unavailable,
}

internal sealed record IngestOutcome(
    IngestStatus Status,
    string? Detail = null,
    int Accepted = 0,
    int Duplicates = 0,
    IReadOnlyList<Rejection>? Rejected = null,
    SourceRateLimits.Decision? Limit = null,
    IReadOnlyList<IngestSource>? Sources = null);
