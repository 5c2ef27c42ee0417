using System.Collections.Frozen;

namespace Pulse.Platform.Access;

/// <summary>
/// The one permission table of Pulse. Every API endpoint, every panel page and every service
/// method that changes data consults it; nothing else decides what a role may do.
/// </summary>
public static class Permissions
{
    private static readonly FrozenDictionary<WorkspaceRole, FrozenSet<Permission>> Table =
        new Dictionary<WorkspaceRole, FrozenSet<Permission>>
        {
            [WorkspaceRole.Owner] = Set(
                Permission.WorkspaceRead, Permission.WorkspaceManage, Permission.WorkspaceCreate, Permission.MembersRead,
                Permission.MembersManage, Permission.ApiKeysRead, Permission.ApiKeysManage,
                Permission.AuditRead, Permission.AuditExport,
                Permission.SourcesRead, Permission.SourcesManage, Permission.EventsRead, Permission.EventsExport,
                Permission.ProfilesRead, Permission.ProfilesManage, Permission.TrackingPlansManage,
                Permission.AlertsRead, Permission.AlertsManage, Permission.DestinationsRead, Permission.DestinationsManage, Permission.EventsManage, Permission.AttributionRead,
                Permission.InfluenceRead, Permission.InfluenceManage, Permission.PayoutsManage),
            [WorkspaceRole.Admin] = Set(
                Permission.WorkspaceRead, Permission.WorkspaceManage, Permission.MembersRead,
                Permission.MembersManage, Permission.ApiKeysRead, Permission.ApiKeysManage,
                Permission.AuditRead, Permission.AuditExport,
                Permission.SourcesRead, Permission.SourcesManage, Permission.EventsRead, Permission.EventsExport,
                Permission.ProfilesRead, Permission.ProfilesManage, Permission.TrackingPlansManage,
                Permission.AlertsRead, Permission.AlertsManage, Permission.DestinationsRead, Permission.DestinationsManage, Permission.EventsManage, Permission.AttributionRead,
                Permission.InfluenceRead, Permission.InfluenceManage, Permission.PayoutsManage),
            [WorkspaceRole.Marketer] = Set(
                Permission.WorkspaceRead, Permission.MembersRead, Permission.ApiKeysRead,
                Permission.SourcesRead, Permission.EventsRead, Permission.ProfilesRead, Permission.AlertsRead, Permission.DestinationsRead, Permission.AttributionRead,
                Permission.InfluenceRead, Permission.InfluenceManage),
            [WorkspaceRole.Analyst] = Set(
                Permission.WorkspaceRead, Permission.MembersRead, Permission.ApiKeysRead,
                Permission.SourcesRead, Permission.EventsRead, Permission.EventsExport, Permission.ProfilesRead, Permission.AlertsRead, Permission.DestinationsRead, Permission.AttributionRead,
                Permission.InfluenceRead),
            [WorkspaceRole.Viewer] = Set(
                Permission.WorkspaceRead, Permission.MembersRead, Permission.ApiKeysRead, Permission.SourcesRead, Permission.AlertsRead),
            [WorkspaceRole.Partner] = Set(Permission.PartnerPortal),
        }.ToFrozenDictionary();

    /// <summary>Whether <paramref name="role"/> grants <paramref name="permission"/>.</summary>
    public static bool Allows(WorkspaceRole role, Permission permission) =>
        Table.TryGetValue(role, out var set) && set.Contains(permission);

    /// <summary>The permissions a role grants, for display.</summary>
    public static IReadOnlyCollection<Permission> Of(WorkspaceRole role) =>
        Table.TryGetValue(role, out var set) ? set : FrozenSet<Permission>.Empty;

    /// <summary>
    /// Whether someone holding <paramref name="granter"/> may hand out <paramref name="granted"/>
    /// (to a member or an API key): never more than one holds, and only Owners make Owners.
    /// </summary>
    public static bool CanGrant(WorkspaceRole granter, WorkspaceRole granted)
    {
        if (!Allows(granter, Permission.MembersManage) && !Allows(granter, Permission.ApiKeysManage))
            return false;
        if (granted == WorkspaceRole.Partner)
            return true;
        return granted <= granter;
    }

    private static FrozenSet<Permission> Set(params Permission[] permissions) => permissions.ToFrozenSet();
}
