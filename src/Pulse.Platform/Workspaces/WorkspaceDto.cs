namespace Pulse.Platform.Workspaces;

public sealed record WorkspaceDto(Guid Id, string Name, DateTimeOffset CreatedAt);
