using Pulse.Collect.Plans;
using Pulse.Collect.Sources;

namespace Pulse.Collect.Ingest;

/// <summary>What ingest needs to know of a source and its workspace, cached by write key.</summary>
/// <param name="Plan">The source's tracking plan in force, built; null when it has none (ingest then only checks for null).</param>
internal sealed record IngestSource(
    Guid Id,
    Guid WorkspaceId,
    string Name,
    bool Enabled,
    IReadOnlyList<string> AllowedOrigins,
    int MaxEventBytes,
    int MaxBatchBytes,
    int RateLimitPerSecond,
    IpMode IpMode,
    byte[] PseudonymKey,
    ConsentDefault ConsentDefault,
    ActivePlan? Plan = null);
