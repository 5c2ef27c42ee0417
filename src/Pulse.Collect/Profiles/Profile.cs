namespace Pulse.Collect.Profiles;

/// <summary>One person as the identity graph sees them. A merged profile keeps its row (for unmerge) and points at the one it joined.</summary>
internal sealed class Profile
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public DateTimeOffset FirstSeen { get; set; }
    public DateTimeOffset LastSeen { get; set; }
    public long EventCount { get; set; }

    /// <summary>The latest user id the profile was identified with; null while the person is anonymous.</summary>
    public string? UserId { get; set; }

    /// <summary>Traits with the time each was set: <c>{"name":{"v":value,"t":unixMs}}</c>, merged last-write-wins per trait.</summary>
    public string Traits { get; set; } = "{}";

    /// <summary>The latest <c>categoryPreferences</c> the person sent, as JSON.</summary>
    public string? Consent { get; set; }
    public DateTimeOffset? ConsentAt { get; set; }
    public bool OptedOut { get; set; }
    public DateTimeOffset? OptedOutAt { get; set; }

    /// <summary>Set when this profile was merged into another; its identities then belong to that one.</summary>
    public Guid? MergedInto { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}
