namespace Pulse.Platform.Alerts;

/// <summary>The body of an alert webhook: <c>type</c> is <c>alert.raised</c> or <c>alert.resolved</c>.</summary>
internal sealed record AlertWebhookPayload(string Type, AlertDto Alert);
