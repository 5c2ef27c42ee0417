namespace Pulse.Platform.Alerts;

/// <param name="WebhookUrl">Where raised and resolved alerts are POSTed; null when none.</param>
/// <param name="SigningSecret">The key of the <c>Pulse-Signature</c> HMAC; verify deliveries with it.</param>
public sealed record AlertSettingsDto(string? WebhookUrl, string SigningSecret, DateTimeOffset? UpdatedAt, string? UpdatedBy);
