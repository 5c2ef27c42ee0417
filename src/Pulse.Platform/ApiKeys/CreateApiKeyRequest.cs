namespace Pulse.Platform.ApiKeys;

public sealed record CreateApiKeyRequest(string? Name, string? Role, DateTimeOffset? ExpiresAt);
