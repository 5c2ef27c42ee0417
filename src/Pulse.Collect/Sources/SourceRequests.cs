namespace Pulse.Collect.Sources;

/// <summary>Body of <c>POST /api/v1/sources</c>. Limits left out take the server's defaults.</summary>
public sealed record CreateSourceRequest(
    string? Name,
    IReadOnlyList<string>? AllowedOrigins = null,
    int? MaxEventBytes = null,
    int? MaxBatchBytes = null,
    int? RateLimitPerSecond = null);

/// <summary>Body of <c>PATCH /api/v1/sources/{id}</c>: only the fields present change.</summary>
public sealed record UpdateSourceRequest(
    string? Name = null,
    bool? Enabled = null,
    IReadOnlyList<string>? AllowedOrigins = null,
    int? MaxEventBytes = null,
    int? MaxBatchBytes = null,
    int? RateLimitPerSecond = null);

/// <summary>Changes collection settings; fields left out stay.</summary>
public sealed record UpdateCollectSettingsRequest(string? IpMode, string? ConsentDefault);
