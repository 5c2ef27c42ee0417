namespace Pulse.Platform.Access;

/// <summary>Everything a role may or may not do. Endpoints and pages ask <see cref="Permissions"/>.</summary>
public enum Permission
{
    WorkspaceRead,
    WorkspaceManage,
    /// <summary>Create further workspaces, becoming their Owner.</summary>
    WorkspaceCreate,
    MembersRead,
    MembersManage,
    ApiKeysRead,
    ApiKeysManage,
    AuditRead,
    AuditExport,
    PartnerPortal,
}
