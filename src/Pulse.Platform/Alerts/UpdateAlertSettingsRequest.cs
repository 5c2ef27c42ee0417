namespace Pulse.Platform.Alerts;

/// <param name="WebhookUrl">An absolute http or https URL; an empty string removes the webhook; null leaves it.</param>
/// <param name="RotateSecret">True to replace the signing secret (the old one stops verifying at once).</param>
public sealed record UpdateAlertSettingsRequest(string? WebhookUrl = null, bool? RotateSecret = null);
