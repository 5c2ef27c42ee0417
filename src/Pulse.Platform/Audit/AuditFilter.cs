namespace Pulse.Platform.Audit;

/// <summary>Filters of the audit list. <paramref name="Action"/> ending in '.' matches a family (<c>apikey.</c>).</summary>
public sealed record AuditFilter(
    string? Action = null,
    string? Actor = null,
    string? TargetType = null,
    string? TargetId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null);
