namespace Pulse.Collect.Profiles;

/// <summary>One merge of a profile into another, with what is needed to undo it.</summary>
internal sealed class ProfileMerge
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public Guid FromProfileId { get; set; }
    public Guid IntoProfileId { get; set; }

    /// <summary><c>identify</c>, <c>alias</c> (stitched from events) or <c>manual</c> (an admin).</summary>
    public required string Reason { get; set; }
    public string? MessageId { get; set; }
    public string? Actor { get; set; }
    public DateTimeOffset At { get; set; }

    /// <summary>The identities moved, as a JSON array of <c>[kind, value]</c>: they go back on unmerge.</summary>
    public string MovedIdentities { get; set; } = "[]";
    public DateTimeOffset? UndoneAt { get; set; }
    public string? UndoneBy { get; set; }
}
