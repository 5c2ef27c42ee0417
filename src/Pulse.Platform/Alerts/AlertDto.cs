namespace Pulse.Platform.Alerts;

/// <summary>An alert as the API, the panel and webhooks show it. <c>State</c> is <c>open</c> or <c>cleared</c>.</summary>
public sealed record AlertDto(
    Guid Id,
    string Kind,
    string Key,
    AlertSeverity Severity,
    string State,
    string Title,
    string Detail,
    IReadOnlyDictionary<string, double> Figures,
    DateTimeOffset RaisedAt,
    DateTimeOffset UpdatedAt,
    DateTimeOffset? ClearedAt,
    string? AcknowledgedBy,
    DateTimeOffset? AcknowledgedAt,
    string? LastDelivery,
    DateTimeOffset? LastDeliveryAt);
