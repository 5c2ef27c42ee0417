using Pulse.Platform.Access;

namespace Pulse.Platform.Workspaces;

/// <summary>A workspace as one of its members sees it, with their role.</summary>
public sealed record WorkspaceMembershipDto(Guid Id, string Name, WorkspaceRole Role);
