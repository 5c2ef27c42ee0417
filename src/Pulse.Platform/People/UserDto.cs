namespace Pulse.Platform.People;

public sealed record UserDto(Guid Id, string Email, string? DisplayName, bool TwoFactorEnabled, DateTimeOffset? LockedOutUntil, DateTimeOffset CreatedAt, int Workspaces);
