namespace Pulse.Platform.Alerts;

/// <summary>
/// One episode of a condition some module watches: opened by <see cref="IAlerts.RaiseAsync"/>, kept
/// up to date while it lasts, closed by <see cref="IAlerts.ClearAsync"/>. At most one open alert per
/// workspace and key.
/// </summary>
internal sealed class Alert
{
    public Guid Id { get; set; }
    public Guid WorkspaceId { get; set; }
    public required string Kind { get; set; }
    public required string Key { get; set; }
    public AlertSeverity Severity { get; set; }
    public required string Title { get; set; }
    public required string Detail { get; set; }
    /// <summary>The numbers behind the alert as a JSON object of names to numbers (expected, observed …).</summary>
    public required string Figures { get; set; }
    public DateTimeOffset RaisedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? ClearedAt { get; set; }
    public string? AcknowledgedBy { get; set; }
    public DateTimeOffset? AcknowledgedAt { get; set; }
    /// <summary>The outcome of the last webhook delivery for this alert (<c>200</c>, <c>failed: …</c>, <c>no webhook</c>).</summary>
    public string? LastDelivery { get; set; }
    public DateTimeOffset? LastDeliveryAt { get; set; }
}
