namespace Pulse.Platform.Audit;

/// <summary>One link of the hash chain. Rows are only ever appended.</summary>
internal sealed class AuditEntry
{
    /// <summary>Position in the chain, 1, 2, 3 … with no gaps.</summary>
    public long Id { get; set; }
    public Guid? WorkspaceId { get; set; }
    /// <summary>The person an account event is about (logins, lockouts), so that it shows in their workspaces.</summary>
    public Guid? SubjectUserId { get; set; }
    public required string ActorKind { get; set; }
    public required string ActorId { get; set; }
    public required string ActorName { get; set; }
    public required string Action { get; set; }
    public string? TargetType { get; set; }
    public string? TargetId { get; set; }
    public string? Before { get; set; }
    public string? After { get; set; }
    public string? Ip { get; set; }
    public string? UserAgent { get; set; }
    public DateTimeOffset OccurredAt { get; set; }
    public required string PrevHash { get; set; }
    public required string Hash { get; set; }
}
