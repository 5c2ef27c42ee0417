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
    int Quarantined = 0)
{
    /// <summary>The HTTP status every ingest endpoint (Segment API, pixel) answers this outcome with.</summary>
    public int HttpStatus => Status switch
    {
        IngestStatus.Stored => 200,
        IngestStatus.BadRequest => 400,
        IngestStatus.Unauthorized => 401,
        IngestStatus.Forbidden => 403,
        IngestStatus.TooLarge => 413,
        IngestStatus.RateLimited => 429,
        _ => 503,
    };
}
