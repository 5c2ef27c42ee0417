namespace Pulse.Platform.Alerts;

/// <summary>A workspace's alert delivery: the webhook that receives raised and resolved alerts, and the key that signs them.</summary>
internal sealed class AlertSettings
{
    public Guid WorkspaceId { get; set; }
    public string? WebhookUrl { get; set; }
    public required string Secret { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public required string UpdatedBy { get; set; }
}
