using Pulse.Platform.Access;

namespace Pulse.Platform.People;

public sealed record MemberDto(
    Guid UserId,
    string Email,
    string? DisplayName,
    WorkspaceRole Role,
    bool TwoFactorEnabled,
    DateTimeOffset? LockedOutUntil,
    DateTimeOffset JoinedAt);
