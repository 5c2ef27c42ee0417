namespace Pulse.Platform.Workspaces;

/// <summary>A tenant: every record of every module belongs to exactly one workspace.</summary>
internal sealed class Workspace
{
    public Guid Id { get; set; }
    public required string Name { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
