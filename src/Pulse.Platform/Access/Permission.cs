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
    /// <summary>See sources, their write keys and volumes.</summary>
    SourcesRead,
    /// <summary>Create, change and disable sources; change collection settings.</summary>
    SourcesManage,
    /// <summary>Read stored events and the live debugger.</summary>
    EventsRead,
    /// <summary>Export events in bulk.</summary>
    EventsExport,
    /// <summary>Look up profiles, their identities, traits, consent and timeline.</summary>
    ProfilesRead,
    /// <summary>Merge and unmerge profiles, change consent, answer data-subject requests (export, erase).</summary>
    ProfilesManage,
    /// <summary>Write tracking plans and re-validate or replay quarantined events.</summary>
    TrackingPlansManage,
    /// <summary>See alerts (volume anomalies, destination failures …).</summary>
    AlertsRead,
    /// <summary>Acknowledge alerts; set the alert webhook and rotate its signing secret.</summary>
    AlertsManage,
    /// <summary>See destinations (credentials masked), their deliveries and dead letters.</summary>
    DestinationsRead,
    /// <summary>Create, change and delete destinations, rotate their secrets, replay deliveries.</summary>
    DestinationsManage,
    /// <summary>See and replay events the store set aside; prune the log (the machine's operator only).</summary>
    EventsManage,
    /// <summary>Run attribution models over journeys and read their results.</summary>
    AttributionRead,
    /// <summary>See creators (payout details masked), their groups and notes, and everything the Influence module tracks for them.</summary>
    InfluenceRead,
    /// <summary>Add, change and import creators, groups and notes; create their links and codes.</summary>
    InfluenceManage,
    /// <summary>Set creators' payout details and (with commissions) approve and pay statements.</summary>
    PayoutsManage,
}
