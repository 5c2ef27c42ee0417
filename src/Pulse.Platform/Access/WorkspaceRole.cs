namespace Pulse.Platform.Access;

/// <summary>A person's or API key's role inside one workspace.</summary>
public enum WorkspaceRole
{
    Viewer = 1,
    Analyst = 2,
    Marketer = 3,
    Admin = 4,
    Owner = 5,
    /// <summary>A creator or affiliate: sees only their own records in the partner portal.</summary>
    Partner = 10,
}
