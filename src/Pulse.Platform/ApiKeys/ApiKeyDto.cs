using Pulse.Platform.Access;

namespace Pulse.Platform.ApiKeys;

public sealed record ApiKeyDto(
    Guid Id,
    string Name,
    string Prefix,
    WorkspaceRole Role,
    DateTimeOffset CreatedAt,
    string CreatedBy,
    DateTimeOffset? ExpiresAt,
    DateTimeOffset? LastUsedAt,
    DateTimeOffset? RevokedAt,
    string Status);
