namespace Pulse.Platform.Audit;

/// <summary>What a service asks to be written to the audit trail; the chain fields are added on append.</summary>
public sealed record AuditRecord(
    string Action,
    string? TargetType = null,
    string? TargetId = null,
    string? Before = null,
    string? After = null,
    Guid? SubjectUserId = null);
