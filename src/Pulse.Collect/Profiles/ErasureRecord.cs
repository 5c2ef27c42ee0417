namespace Pulse.Collect.Profiles;

/// <summary>
/// That a person was erased, kept without anything that identifies them: when, by whom, and how
/// much each module removed.
/// </summary>
internal sealed class ErasureRecord
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public DateTimeOffset At { get; set; }
    public required string ActorKind { get; set; }
    public required string ActorName { get; set; }
    public int IdentityCount { get; set; }

    /// <summary>Rows removed per step, as JSON (<c>{"events":12,"profiles":1,…}</c>).</summary>
    public string Steps { get; set; } = "{}";
}
