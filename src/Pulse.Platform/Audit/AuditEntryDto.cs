namespace Pulse.Platform.Audit;

public sealed record AuditEntryDto(
    long Id,
    Guid? WorkspaceId,
    string ActorKind,
    string ActorId,
    string ActorName,
    string Action,
    string? TargetType,
    string? TargetId,
    string? Before,
    string? After,
    string? Ip,
    string? UserAgent,
    DateTimeOffset OccurredAt,
    string Hash);
