namespace Pulse.Platform.Privacy;

/// <summary>A person a data-subject request is about: every id they are known by in one workspace.</summary>
public sealed record DataSubject(Guid WorkspaceId, IReadOnlyList<string> UserIds, IReadOnlyList<string> AnonymousIds)
{
    /// <summary>All ids, user and anonymous.</summary>
    public IReadOnlyList<string> AllIds => [.. UserIds, .. AnonymousIds];
}
