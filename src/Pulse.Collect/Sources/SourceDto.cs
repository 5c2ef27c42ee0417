namespace Pulse.Collect.Sources;

/// <summary>A source as the API shows it. The write key is shown: it is public by nature (it sits in web pages).</summary>
public sealed record SourceDto(
    Guid Id,
    string Name,
    string WriteKey,
    bool Enabled,
    IReadOnlyList<string> AllowedOrigins,
    int MaxEventBytes,
    int MaxBatchBytes,
    int RateLimitPerSecond,
    DateTimeOffset CreatedAt,
    string CreatedBy);
