namespace Pulse.Platform.People;

public sealed record ChangeRoleRequest(string? Role);
