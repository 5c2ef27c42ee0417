namespace Pulse.Platform.Workspaces;

public sealed record RenameWorkspaceRequest(string? Name);
