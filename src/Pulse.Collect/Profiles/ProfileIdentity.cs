namespace Pulse.Collect.Profiles;

/// <summary>An id the person was seen with; each id of a workspace belongs to one profile.</summary>
internal sealed class ProfileIdentity
{
    public Guid WorkspaceId { get; set; }
    public required string Kind { get; set; }
    public required string Value { get; set; }
    public Guid ProfileId { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
}
