namespace Pulse.Collect.Plans;

/// <summary>The tracking plan of one source: how strict it is and, in its versions, what events look like.</summary>
internal sealed class TrackingPlan
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid SourceId { get; set; }
    public PlanMode Mode { get; set; }

    /// <summary>Whether track events the plan does not name are let through without a violation.</summary>
    public bool AllowUnplannedEvents { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
    public required string CreatedBy { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One published version of a plan; never changed after it is written. The newest one is in force.</summary>
internal sealed class TrackingPlanVersion
{
    public Guid Id { get; set; }
    public Guid PlanId { get; set; }
    public int Model { get; set; }
    public int Revision { get; set; }
    public int Addition { get; set; }

    /// <summary>The event definitions as JSON (<see cref="PlanDefinitions"/>).</summary>
    public required string Definitions { get; set; }

    public DateTimeOffset PublishedAt { get; set; }
    public required string PublishedBy { get; set; }

    public SchemaVer Version => new(Model, Revision, Addition);
}
